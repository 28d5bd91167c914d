#!/bin/bash
# SCALE-Sim 3.0.0 runs of SCALE-Sim v3's own shipped configs (configs/*.cfg of
# scalesim-project/scale-sim-v3 at fab89b7, copied unchanged) on small topologies. (eyeriss.cfg has no
# [layout] section and scale_layout.cfg no UseRamulatorTrace, which SCALE-Sim 3.0.0 needs: it stops with
# NoSectionError / NoOptionError; accelsim reads both.)
# usage: PY=venv-scalesim/bin/python V3=path/to/scale-sim-v3 make_v3_refs.sh OUTDIR
set -e
# (OUTDIR needs an empty_layout.csv, as in this folder)
OUT=$1; mkdir -p $OUT
PY=${PY:-python}
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc1, 30, 30, 3, 3, 16, 32, 1,\nc2, 15, 15, 3, 3, 32, 48, 2,\npw, 7, 7, 1, 1, 48, 300, 1,\n' > $OUT/small3.csv
printf 'Layer, M, N, K,\nqk, 196, 196, 64,\nffn, 64, 300, 200,\n' > $OUT/gemm_v3.csv
run() {  # folder v3-config topology form
  local d=$OUT/$1; mkdir -p $d
  cp $V3/configs/$2.cfg $d/$2.cfg
  cp $OUT/$3.csv $d/
  (cd $d && $PY -m scalesim.scale -c $2.cfg -t $3.csv -l ../empty_layout.csv -p logs -i $4 > run.log 2>&1 || echo "FAILED $1")
  cp $d/logs/*/*REPORT.csv $d/
  rm -rf $d/logs $d/run.log
}
run v3_scale_small3          scale         small3   conv
run v3_google_gemm          google        gemm_v3  gemm
run v3_google_small3         google        small3   conv
run v3_scale_gemm            scale         gemm_v3  gemm
