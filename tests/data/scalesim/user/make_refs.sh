#!/bin/bash
# SCALE-Sim 3.0.0 USER-bandwidth reference runs (run in the scalesim venv).
# usage: make_refs.sh OUTDIR
set -e
OUT=$1; mkdir -p $OUT
PY=${PY:-python}
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc1, 16, 16, 3, 3, 8, 16, 1,\nc2, 13, 13, 3, 3, 4, 24, 2,\n' > $OUT/conv2.csv
printf 'Layer, M, N, K,\ng1, 64, 48, 40,\ng2, 100, 20, 70,\n' > $OUT/gemm2.csv
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n' > $OUT/empty_layout.csv
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc0, 10, 10, 3, 3, 3, 8, 2,\ndw_DP, 9, 9, 3, 3, 4, 1, 1,\npw, 7, 7, 1, 1, 4, 12, 1,\n' > $OUT/dwnet.csv
run() {  # name rows cols df sram_kb ifbw fbw obw topo mode
  local d=$OUT/$1; mkdir -p $d
  cat > $d/$1.cfg <<CFG
[general]
run_name = $1

[architecture_presets]
ArrayHeight:    $2
ArrayWidth:     $3
IfmapSramSzkB:   $5
FilterSramSzkB:  $5
OfmapSramSzkB:   $5
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : $8
Dataflow : $4
MemoryBanks:   1
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: $6
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: $7
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: USER
UseRamulatorTrace: False
CFG
  cp $OUT/$9.csv $d/
  (cd $d && $PY -m scalesim.scale -c $1.cfg -t $9.csv -l ../empty_layout.csv -p logs -i ${10} > run.log 2>&1 || echo "FAILED $1")
  if [ -d $d/logs/$1 ]; then cp $d/logs/$1/*REPORT.csv $d/; fi
  rm -rf $d/logs
}
run conv_8x8_os_1k_bw2    8  8 os 1 2 2 4  conv2 conv
run conv_8x8_ws_1k_bw2    8  8 ws 1 2 2 4  conv2 conv
run conv_8x8_is_1k_bw2    8  8 is 1 2 2 4  conv2 conv
run conv_16x8_os_2k_bw8  16  8 os 2 8 4 16 conv2 conv
run conv_16x8_ws_2k_bw8  16  8 ws 2 8 4 16 conv2 conv
run conv_16x8_is_2k_bw8  16  8 is 2 8 4 16 conv2 conv
run conv_8x16_ws_8k_bw32  8 16 ws 8 32 32 8 conv2 conv
run gemm_8x8_os_1k_bw4    8  8 os 1 4 4 4  gemm2 gemm
run gemm_8x8_ws_1k_bw4    8  8 ws 1 4 4 4  gemm2 gemm
run gemm_8x8_is_1k_bw4    8  8 is 1 4 4 4  gemm2 gemm
run gemm_16x8_os_2k_bw16 16  8 os 2 16 8 8 gemm2 gemm
run gemm_8x16_is_4k_bw2   8 16 is 4 2 2 16 gemm2 gemm
run gemm_8x16_ws_2k_bw10  8 16 ws 2 10 10 10 gemm2 gemm
run dw_8x8_ws_1k_bw3     8  8 ws 1 3 3 5  dwnet conv
run dw_8x8_os_2k_bw2     8  8 os 2 2 2 2  dwnet conv
run dw_16x8_is_64k_bw8  16  8 is 64 8 8 8 dwnet conv
run gemm_4x12_os_1k_bw1   4 12 os 1 1 1 1 gemm2 gemm
