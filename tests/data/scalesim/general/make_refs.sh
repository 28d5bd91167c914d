#!/bin/bash
# SCALE-Sim 3.0.0 reference runs on configurations unlike the other sets (run in the scalesim venv):
# odd array shapes (7x13, 13x7, 5x3, 1x9), tiny and unequal SRAMs, one-word-per-cycle channels,
# every dataflow, conv (non-square filters, stride 3, ceil output) and GEMM, USER and CALC.
# usage: PY=venv-scalesim/bin/python make_refs.sh OUTDIR
set -e
OUT=$1; mkdir -p $OUT
PY=${PY:-python}
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\no1, 11, 9, 5, 3, 3, 10, 1,\no2, 15, 15, 3, 3, 5, 7, 3,\no3, 8, 20, 1, 4, 6, 9, 2,\n' > $OUT/odd3.csv
printf 'Layer, M, N, K,\nga, 33, 17, 29,\ngb, 7, 61, 5,\n' > $OUT/gemm_odd.csv
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nr1, 10, 10, 3, 3, 32, 16, 1,\nr2, 8, 8, 1, 1, 48, 40, 1,\n' > $OUT/res2.csv
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\ndw_DP, 12, 10, 3, 3, 3, 1, 2,\nwide, 5, 30, 2, 7, 4, 6, 1,\n' > $OUT/dw_wide.csv
printf 'Layer, M, N, K,\nthin, 3, 40, 2,\ntall, 50, 3, 19,\n' > $OUT/gemm_thin.csv
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n' > $OUT/empty_layout.csv
run() {  # name rows cols df ifmap_kb filter_kb ofmap_kb ifbw fbw obw mode(USER|CALC) topo form
  local d=$OUT/$1; mkdir -p $d
  cat > $d/$1.cfg <<CFG
[general]
run_name = $1

[architecture_presets]
ArrayHeight:    $2
ArrayWidth:     $3
IfmapSramSzkB:   $5
FilterSramSzkB:  $6
OfmapSramSzkB:   $7
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : ${10}
Dataflow : $4
MemoryBanks:   1
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: $8
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: $9
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: ${11}
UseRamulatorTrace: False
CFG
  cp $OUT/${12}.csv $d/
  (cd $d && $PY -m scalesim.scale -c $1.cfg -t ${12}.csv -l ../empty_layout.csv -p logs -i ${13} > run.log 2>&1 || echo "FAILED $1")
  if [ -d $d/logs/$1 ]; then cp $d/logs/$1/*REPORT.csv $d/; fi
  rm -rf $d/logs
}
run odd_7x13_os_user_bw1     7 13 os 1 1 1 1 1 1 USER odd3 conv
run odd_7x13_ws_user_bw3     7 13 ws 1 2 1 3 1 2 USER odd3 conv
run odd_13x7_is_user_bw1     13 7 is 2 1 1 1 2 1 USER odd3 conv
run odd_5x3_ws_user_bw2      5  3 ws 1 1 2 2 5 1 USER odd3 conv
run odd_1x9_os_user_bw1      1  9 os 1 1 1 1 1 1 USER odd3 conv
run gemm_7x13_ws_user_bw1    7 13 ws 1 1 1 1 1 1 USER gemm_odd gemm
run gemm_13x7_os_user_bw2    13 7 os 1 2 1 2 1 3 USER gemm_odd gemm
run gemm_13x7_is_user_bw1    13 7 is 2 1 1 1 1 1 USER gemm_odd gemm
run odd_7x13_os_calc_1k      7 13 os 1 1 1 10 10 10 CALC odd3 conv
run odd_7x13_ws_calc_1k      7 13 ws 1 1 1 10 10 10 CALC odd3 conv
run odd_13x7_is_calc_1k      13 7 is 1 1 1 10 10 10 CALC odd3 conv
run gemm_13x7_ws_calc_1k     13 7 ws 1 1 1 10 10 10 CALC gemm_odd gemm
run res_16x16_ws_calc_2k     16 16 ws 2 2 2 10 10 10 CALC res2 conv
run res_16x16_ws_calc_4k     16 16 ws 4 4 4 10 10 10 CALC res2 conv
run res_16x16_os_calc_2k     16 16 os 2 2 2 10 10 10 CALC res2 conv
run dw_3x17_is_user_bw1      3 17 is 1 1 1 1 1 1 USER dw_wide conv
run dw_11x4_os_user_bw7      11 4 os 2 1 4 7 1 2 USER dw_wide conv
run dw_6x6_ws_calc_mixed     6  6 ws 1 64 2 10 10 10 CALC dw_wide conv
run thin_4x9_ws_user_bw1     4  9 ws 1 1 1 1 100 1 USER gemm_thin gemm
run thin_9x4_is_user_bw50    9  4 is 1 1 1 50 1 50 USER gemm_thin gemm
run thin_9x4_os_calc_mixed   9  4 os 64 1 1 10 10 10 CALC gemm_thin gemm
