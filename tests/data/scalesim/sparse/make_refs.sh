#!/bin/bash
# SCALE-Sim 3.0.0 N:M sparsity reference runs. usage: PY=venv-scalesim/bin/python make_sparse_refs.sh OUTDIR
set -e
OUT=$1; mkdir -p $OUT; PY=${PY:-python}
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n' > $OUT/empty_layout.csv
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides, Sparsity,\nConv1,      224,          224,         11,            11,           3,        96,         4,       1:4,\n' > $OUT/alexnet_part.csv
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides, Sparsity,\nc1, 12, 12, 3, 3, 6, 16, 1, 2:4,\nc2, 10, 10, 3, 3, 5, 12, 2, 1:4,\n' > $OUT/conv_nm.csv
printf 'Layer Name, M, N, K, Sparsity,\ng1, 40, 24, 48, 2:4,\ng2, 30, 20, 37, 1:4,\n' > $OUT/gemm_nm.csv
run() {  # name rows cols df kb mode(USER|CALC) bw optimized block rep topo form
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
Bandwidth : $7
Dataflow : $4
MemoryBanks:   1
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: $7
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: $7
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : true
SparseRep : ${10}
OptimizedMapping : $8
BlockSize : $9
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: $6
UseRamulatorTrace: False
CFG
  cp $OUT/${11}.csv $d/
  (cd $d && $PY -m scalesim.scale -c $1.cfg -t ${11}.csv -l ../empty_layout.csv -p logs -i ${12} > run.log 2>&1 || echo "FAILED $1")
  if [ -d $d/logs/$1 ]; then cp $d/logs/$1/*REPORT.csv $d/; fi
  rm -rf $d/logs
}
run alexnet_128x128_ws_calc_opt 128 128 ws 256 CALC 50 true 8 ellpack_block alexnet_part conv
run alexnet_128x128_ws_user_opt 128 128 ws 256 USER 50 true 8 ellpack_block alexnet_part conv
run conv_8x8_ws_user_nm   8 8 ws 2 USER 4 false 4 ellpack_block conv_nm conv
run conv_8x8_os_user_nm   8 8 os 2 USER 4 false 4 csr conv_nm conv
run conv_8x8_is_calc_nm   8 8 is 2 CALC 4 false 4 csc conv_nm conv
run gemm_8x8_ws_calc_nm   8 8 ws 2 CALC 4 false 4 ellpack_block gemm_nm gemm
run gemm_16x8_os_user_nm 16 8 os 1 USER 8 false 4 ellpack_block gemm_nm gemm
run gemm_8x8_ws_user_opt  8 8 ws 2 USER 4 true 4 csr gemm_nm gemm
# odd arrays, 1 kB buffers, BlockSize 6 and 8 (row-wise needs ws: SCALE-Sim 3.0.0 stops os and is
# row-wise runs with "Dimension mismatch between operands")
run conv_7x13_ws_user_nm   7 13 ws 1 USER 2 false 4 csr conv_nm conv
run gemm_13x7_os_calc_nm  13  7 os 1 CALC 4 false 4 ellpack_block gemm_nm gemm
run conv_5x9_is_user_nm    5  9 is 1 USER 1 false 4 ellpack_block conv_nm conv
run gemm_12x5_ws_user_opt 12  5 ws 1 USER 3 true 6 ellpack_block gemm_nm gemm
run conv_8x12_ws_calc_opt  8 12 ws 1 CALC 4 true 8 csc conv_nm conv
