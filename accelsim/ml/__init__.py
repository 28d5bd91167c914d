"""Small networks on scikit-learn's digits, evaluated through simulated hardware.

- `data`: the digits split; `nets`: an MLP and a CNN trained in plain numpy (Adam);
- `digits`: n-bit quantisation and inference through `kernels.crossbar_mvm`, with
  bit flips or stochastic MRAM writes of the stored weights (docs/accuracy.md);
- `training`: on-chip training with weights in NAND-SPIN MRAM, every write priced
  (docs/training.md).

Needs scikit-learn (`pip install 'accelsim[ml]'`) for the dataset only.
"""
