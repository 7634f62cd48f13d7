#pragma once
/// Whole-file output that never leaves a torn or half-written file in place of a good one, and
/// checks that an output location is usable before the work that fills it.
#include <string>
#include <string_view>

namespace rdp {

/// Writes `text` to `path` atomically: into a fresh temporary file beside it (a unique name from
/// mkstemp, so concurrent writers never share one), flushed to disk, then renamed over `path`.
/// Readers see the old file or the new one, never a mix; with two concurrent writers the last
/// rename wins whole. On any failure the temporary file is removed and std::runtime_error names
/// the path and the system's reason; so it is on SIGINT, SIGTERM and SIGHUP while the file is
/// written (handlers are installed for those signals still at their default, the process then
/// dies of the signal as before). Only SIGKILL or a crash can leave one, hidden
/// (.NAME.XXXXXX.tmp) and never read as an output. The directory must exist.
void write_file_atomic(const std::string& path, std::string_view text);

/// Before a long computation, checks that files can be written into `dir`: creates it (with its
/// parents) if missing, then creates and removes a uniquely named probe file. Throws
/// InvalidArgument naming `parameter`, with the path as given and the system's reason.
void require_writable_directory(const std::string& parameter, const std::string& dir);

/// The same for a single output file: `path` must not be a directory, and its directory (which
/// must exist) must accept a new file.
void require_writable_file(const std::string& parameter, const std::string& path);

}  // namespace rdp
