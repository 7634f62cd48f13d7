# Random123 is header-only and ships no CMake config. This module gives it an imported target,
# Random123::Random123, whose include directory reaches every target that links it (rdp::core's
# public rng.hpp includes <Random123/philox.h>). Set Random123_INCLUDE_DIR to the directory that
# holds Random123/philox.h when it is not in a default include path.
find_path(Random123_INCLUDE_DIR Random123/philox.h
          DOC "directory holding Random123/philox.h (the Random123 headers)")
mark_as_advanced(Random123_INCLUDE_DIR)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Random123 REQUIRED_VARS Random123_INCLUDE_DIR)

if(Random123_FOUND AND NOT TARGET Random123::Random123)
  add_library(Random123::Random123 INTERFACE IMPORTED)
  set_target_properties(Random123::Random123 PROPERTIES
                        INTERFACE_INCLUDE_DIRECTORIES "${Random123_INCLUDE_DIR}")
endif()
