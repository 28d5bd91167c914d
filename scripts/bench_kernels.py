#!/usr/bin/env python
"""Benchmark every accelsim kernel against its plain-numpy oracle (tests/naive.py).

Workload: one 128x128 crossbar, 8-bit signed weights and inputs, 1,024 input
vectors (ISAAC-like: 1-bit DAC, 2-bit cells, 8-bit ADC; the exact ADC would need
9 bits, so the ADC path really quantises). Every kernel is checked against its
oracle on the same inputs (bit for bit, or to 1e-9 for the float-valued variation
MVM whose BLAS summation order differs) before it is timed; JITs are warmed first.

Bit flips: the dense path (one uniform per bit, per-bit-position rates) and the sparse
skip-sampling path at uniform rates 1e-4 and 1e-3 per stored bit (13 and 131 flips in the
131,072 stored bits), kernel with pre-drawn gaps vs its oracle with the same gaps; info
rows time both paths end to end (incl. the draws) at those rates.

Also measures the bit-sliced MVM's slice-pair MAC rate
(input slices x weight slices x rows x cols x vectors / s) against this machine's
float64 matmul rate (1024x128 @ 128x128, MACs/s) in the same run.

BLAS runs single-threaded by default (--threads 1) so that kernel, oracle and the
float64 reference all use one core: the numbers do not swing with other load on a
shared machine. --threads 0 keeps the library default.

Floors: for the kernels whose oracle is already close to what any implementation must
spend, the script also times that floor in the same run and prints the largest speedup
the oracle leaves room for (oracle / floor):
- memory floor (bit flips, stochastic write): one numpy pass reading the pre-drawn random
  numbers (``u.max()``, SIMD, cache-resident) plus one copy of the words -- every
  implementation reads each random number and writes a fresh output array;
- BLAS floor (variation MVM): the same float64 slice-pair multiply-adds in one BLAS call
  plus the normal draw both sides make -- real-valued cell levels leave no exact integer
  shortcut (a table-lookup "four Russians" prototype, 8-row tables, ran no faster here).
A kernel under 20x whose bound is also under 20x cannot reach the target against this
oracle on this machine; the script says which case each kernel is.

Timing: best of repeated runs (each timed section repeated until it has run for
>= 0.3 s and at least 3 times).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (0 = library default)")
    ap.add_argument("--vectors", type=int, default=1024)
    return ap.parse_args()


ARGS = _parse()
if ARGS.threads > 0:  # must happen before numpy loads OpenBLAS
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import accelsim.kernels as K  # noqa: E402
from tests import naive  # noqa: E402


def best_time(fn, min_total: float = 0.3, min_reps: int = 3) -> float:
    fn()  # warm-up (JIT compile or cache load, BLAS thread start)
    best, total, reps = float("inf"), 0.0, 0
    while total < min_total or reps < min_reps:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best, total, reps = min(best, dt), total + dt, reps + 1
    return best


SPARSE_RATES = (1e-4, 1e-3)  # realistic uniform fault rates per stored bit
TARGET = 20.0  # issue #4: every kernel >= 20x its oracle


def main() -> int:
    V, R, C, BITS = ARGS.vectors, 128, 128, 8
    rng = np.random.default_rng(20240611)
    x = rng.integers(-(1 << (BITS - 1)), 1 << (BITS - 1), size=(V, R))
    w = rng.integers(-(1 << (BITS - 1)) + 1, 1 << (BITS - 1), size=(R, C))
    xbar = dict(input_bits=BITS, weight_bits=BITS, dac_bits=1, cell_bits=2, rows=R, cols=C,
                adc_bits=8, input_signed=True, weight_signed=True)
    words = (w & 0xFF).reshape(-1)  # stored weight bytes of the crossbar
    new_words = rng.integers(0, 256, size=words.shape)
    u_words = rng.random((words.size, BITS))
    rate = np.array([1e-3 * (2**b) / 128 for b in range(BITS)])  # per-bit-position rates
    sa0, sa1 = K.stuck_at_masks(words.shape, bits=BITS, p_sa0=0.01, p_sa1=0.01, rng=rng)
    p01, p10, max_att = 0.9, 0.8, 8
    gaps = {r: K.flip_gaps(words.size * BITS, r, np.random.default_rng(3)) for r in SPARSE_RATES}
    sigma = 0.05

    def var_kernel():
        return K.crossbar_mvm_variation(x, w, sigma=sigma, rng=np.random.default_rng(7), **xbar)

    def var_oracle():
        lv = naive.weight_levels(w, weight_bits=BITS, cell_bits=2, weight_signed=True, weight_encoding="offset")
        z = np.random.default_rng(7).standard_normal(lv.shape)
        g_on, g_off = 1 / 6e3, 1 / 900e3
        eff = naive.level_variation(lv, z, cell_bits=2, sigma=sigma, model="lognormal", g_on_s=g_on, g_off_s=g_off)
        return naive.crossbar_mvm_levels(x, eff, **xbar)[0]

    # floors (see module doc): what any implementation of the kernel must spend
    spec = K.CrossbarSpec(**xbar)
    xs_f = K.slice_inputs(x, spec).reshape(-1, R).astype(np.float64)  # (S_in * V, K)
    lv_shape = K.slice_weights(w, spec).shape  # (sides, S_w, K, N)
    cols_f = np.random.default_rng(7).random((R, lv_shape[0] * lv_shape[1] * C))
    blas_floor = ("BLAS", lambda: (np.random.default_rng(7).standard_normal(lv_shape), xs_f @ cols_f))
    memory_floor = ("memory", lambda: (u_words.max(), words.copy()))
    copy_floor = ("memory", lambda: words.copy())
    floors = {"crossbar_mvm_variation lognormal": blas_floor, "apply_bit_flips + stuck-at": memory_floor,
              "apply_stochastic_write verify<=8": memory_floor,
              **{f"apply_sparse_bit_flips rate {r:g}": copy_floor for r in SPARSE_RATES}}

    cases = [
        ("int_matmul wrap acc32",
         lambda: K.int_matmul(x, w, x_bits=8, w_bits=8, acc_bits=32),
         lambda: naive.int_matmul(x, w, x_bits=8, w_bits=8, acc_bits=32), True),
        ("int_matmul saturate acc16",
         lambda: K.int_matmul(x, w, x_bits=8, w_bits=8, acc_bits=16, overflow="saturate"),
         lambda: naive.int_matmul(x, w, x_bits=8, w_bits=8, acc_bits=16, overflow="saturate"), True),
        ("crossbar_mvm offset adc8",
         lambda: K.crossbar_mvm(x, w, **xbar),
         lambda: naive.crossbar_mvm(x, w, **xbar)[0], True),
        ("crossbar_mvm differential adc8",
         lambda: K.crossbar_mvm(x, w, weight_encoding="differential", **xbar),
         lambda: naive.crossbar_mvm(x, w, weight_encoding="differential", **xbar)[0], True),
        ("crossbar_mvm_variation lognormal",
         var_kernel, var_oracle, False),
        ("apply_bit_flips + stuck-at",
         lambda: K.apply_bit_flips(words, u_words, bits=BITS, rate=rate, stuck_at_0=sa0, stuck_at_1=sa1),
         lambda: naive.bit_flips(words, u_words, bits=BITS, rate=rate, stuck_at_0=sa0, stuck_at_1=sa1), True),
        *[(f"apply_sparse_bit_flips rate {r:g}",
           (lambda g: lambda: K.apply_sparse_bit_flips(words, g, bits=BITS))(gaps[r]),
           (lambda g: lambda: naive.sparse_bit_flips(words, g, bits=BITS))(gaps[r]), True) for r in SPARSE_RATES],
        ("apply_stochastic_write verify<=8",
         lambda: K.apply_stochastic_write(words, new_words, u_words, bits=BITS, p_switch=(p01, p10),
                                          max_attempts=max_att, return_pulses=True),
         lambda: naive.stochastic_write(words, new_words, u_words, bits=BITS, p01=p01, p10=p10,
                                        max_attempts=max_att), True),
    ]
    # End-to-end variants including the RNG draw (shown for information; the draw is
    # the same numpy call on both sides, so it is not part of the kernel comparison),
    # and the elementwise level perturbation alone (its exp() is numpy on both sides).
    lv = K.slice_weights(w, K.CrossbarSpec(**xbar))
    z = np.random.default_rng(5).standard_normal(lv.shape)
    info = [
        ("apply_level_variation (elementwise)",
         lambda: K.apply_level_variation(lv, z, cell_bits=2, sigma=sigma),
         lambda: naive.level_variation(lv, z, cell_bits=2, sigma=sigma, model="lognormal",
                                       g_on_s=1 / 6e3, g_off_s=1 / 900e3)),
        ("inject_bit_flips dense (incl. draw)",
         lambda: K.inject_bit_flips(words, bits=BITS, rate=rate, rng=np.random.default_rng(3)),
         lambda: naive.bit_flips(words, np.random.default_rng(3).random((words.size, BITS)), bits=BITS, rate=rate)),
        *[(f"inject_bit_flips sparse {r:g} (incl. draw)",
           (lambda r: lambda: K.inject_bit_flips(words, bits=BITS, rate=r, rng=np.random.default_rng(3)))(r),
           (lambda r: lambda: naive.sparse_bit_flips(
               words, naive.flip_gaps(words.size * BITS, r, np.random.default_rng(3)), bits=BITS))(r))
          for r in SPARSE_RATES],
        *[(f"  same, dense path at rate {r:g}",
           (lambda r: lambda: K.inject_bit_flips(words, bits=BITS, rate=r, rng=np.random.default_rng(3),
                                                 method="dense"))(r),
           (lambda r: lambda: naive.bit_flips(words, np.random.default_rng(3).random((words.size, BITS)),
                                              bits=BITS, rate=r))(r))
          for r in SPARSE_RATES],
        ("stochastic_write (incl. draw)",
         lambda: K.stochastic_write(words, new_words, bits=BITS, p_switch=(p01, p10), rng=np.random.default_rng(3),
                                    max_attempts=max_att),
         lambda: naive.stochastic_write(words, new_words, np.random.default_rng(3).random((words.size, BITS)),
                                        bits=BITS, p01=p01, p10=p10, max_attempts=max_att)[:2]),
    ]

    rows, speedups = [], []
    for name, kern, orac, exact in cases + [(n, k, o, True) for n, k, o in info]:
        a, b = kern(), orac()
        a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
        for p, q in zip(a, b):
            ok = np.array_equal(p, q) if exact else np.allclose(p, q, rtol=1e-9, atol=1e-9 * np.abs(q).max())
            if not ok:
                print(f"MISMATCH in {name}: kernel and oracle disagree", file=sys.stderr)
                return 1
        tk, to = best_time(kern), best_time(orac)
        tf = best_time(floors[name][1]) if name in floors else None
        rows.append((name, tk, to, tf))
        if any(name == c[0] for c in cases):
            speedups.append((to / tk, name))

    # slice-pair MAC rate of the bit-sliced MVM vs float64 BLAS
    _, st = K.crossbar_mvm(x, w, return_stats=True, **xbar)
    t_mvm = best_time(lambda: K.crossbar_mvm(x, w, **xbar))
    slice_macs = st.input_slices * st.weight_slices * R * C * V
    mvm_rate = slice_macs / t_mvm
    xf, wf = x.astype(np.float64), w.astype(np.float64)
    t_blas = best_time(lambda: xf @ wf)
    blas_rate = V * R * C / t_blas
    ratio = mvm_rate / blas_rate

    threads = "library default" if ARGS.threads <= 0 else ARGS.threads
    print(f"accelsim kernel benchmark: {V} vectors, {R}x{C} crossbar, 8-bit operands, BLAS threads: {threads}")
    print(f"{'kernel':44s} {'kernel ms':>10s} {'oracle ms':>10s} {'speedup':>9s} {'floor ms':>10s} {'bound':>7s}")
    for name, tk, to, tf in rows:
        tag = "" if any(name == c[0] for c in cases) else "  (info)"
        fl = f" {tf * 1e3:10.3f} {to / tf:6.1f}x" if tf else f" {'':10s} {'':7s}"
        print(f"{name:44s} {tk * 1e3:10.3f} {to * 1e3:10.3f} {to / tk:8.1f}x{fl}{tag}")
    print(f"bit-sliced MVM: {st.input_slices}x{st.weight_slices} slice pairs, {slice_macs / 1e6:.0f}M slice-pair MACs "
          f"in {t_mvm * 1e3:.2f} ms = {mvm_rate / 1e9:.2f} GMAC/s")
    print(f"float64 BLAS 1024x128 @ 128x128: {t_blas * 1e3:.3f} ms = {blas_rate / 1e9:.2f} GMAC/s")
    dense_e2e = {n: tk for n, tk, _, _ in rows}
    for r in SPARSE_RATES:
        gain = dense_e2e[f"  same, dense path at rate {r:g}"] / dense_e2e[f"inject_bit_flips sparse {r:g} (incl. draw)"]
        print(f"inject_bit_flips at rate {r:g}: sparse path {gain:.0f}x faster than the dense path (incl. draws)")
    for name, tk, to, tf in rows:
        if name not in floors or to / tk >= TARGET:
            continue
        kind = floors[name][0]
        if to / tf < TARGET:
            print(f"below {TARGET:g}x: {name}: unreachable here -- the oracle is only {to / tf:.1f}x its "
                  f"{kind} floor; the kernel is {tk / tf:.1f}x that floor")
        else:
            print(f"below {TARGET:g}x: {name}: the oracle leaves room ({to / tf:.1f}x its {kind} floor); "
                  f"the kernel is {tk / tf:.1f}x that floor")
    worst, worst_name = min(speedups)
    print(f"kernels: min speedup vs oracle {worst:.1f}x ({worst_name}); mvm rate vs float64 BLAS {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
