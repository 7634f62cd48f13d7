#!/usr/bin/python3
"""SD-LTC (shared-dither lattice transform coding) of a numpy array on the E8 lattice: the coded
bytes, their rate, and the distortion and realism of the reconstruction, against R(D, P).
  PYTHONPATH=build/python /usr/bin/python3 examples/python/sd_ltc_numpy.py"""
import numpy as np

import rdpkit

rng = np.random.default_rng(2026)
x = rng.normal(size=(4096, 8))  # 4096 blocks of 8 samples of N(0, 1)
D, P = 0.3, 0.0                 # target MSE per dimension, target Frechet W2^2 per dimension

data = rdpkit.encode(x, codec="sd", lattice="e8", source="gaussian:sigma=1", D=D, P=P, seed=7)
y = rdpkit.decode(data)
info = rdpkit.bitstream_info(data)

mse = ((x - y) ** 2).mean()
w2 = (x.std() - y.std()) ** 2 + (x.mean() - y.mean()) ** 2  # Frechet W2^2 of the marginals
print(f"{len(data)} bytes ({info['header_bytes']} header): "
      f"{info['coded_rate_bits']:.3f} bits per sample")
print(f"MSE {mse:.4f} (target {D}), marginal Frechet W2^2 {w2:.2e} (target {P})")
print(f"R(D, P) of the source: {rdpkit.rate('gaussian:sigma=1', 'w2sq', D, P):.3f} bits")

# The Monte-Carlo estimate of the same codec, as `rdp simulate --json` reports it.
sim = rdpkit.simulate(codec="sd", lattice="e8", D=D, P=P, samples=x.size, seed=7)
print(f"simulate: rate {sim['rate_bits']:.3f} ± {sim['rate_stderr']:.3f} bits, "
      f"coded {sim['coded_rate_bits']:.3f} bits, D {sim['distortion']:.4f}")
