#!/usr/bin/python3
"""Blau & Michaeli's rate-distortion-perception curves (ICML 2019, Fig. 3) for a Bernoulli(0.1)
source with Hamming distortion and a total-variation perception budget, one call per curve.
  PYTHONPATH=build/python /usr/bin/python3 examples/python/blau_michaeli_curves.py [out.png]"""
import sys

import matplotlib.pyplot as plt
import numpy as np

import rdpkit

d = np.linspace(0.0, 0.2, 400)
for p in [0.0, 0.02, 0.04, 0.06, 0.08, 0.1]:
    plt.plot(d, rdpkit.rate("bernoulli:p=0.1", "tv", d, p), label=f"P = {p:g}")
plt.xlabel("D (Hamming)"), plt.ylabel("R(D, P), bits"), plt.legend(title="TV budget")
plt.title("Bernoulli(0.1): R(D, P)")
plt.savefig(sys.argv[1] if len(sys.argv) > 1 else "blau_michaeli_curves.png", dpi=120)
