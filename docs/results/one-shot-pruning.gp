# The figures of docs/results.md's one-shot pruning sections, from their CSVs:
#   cd docs/results && gnuplot one-shot-pruning.gp                          (MLPNet)
#   cd docs/results && gnuplot -e 'variant="retrained"' one-shot-pruning.gp
#   cd docs/results && gnuplot -e 'network="lenet300"' one-shot-pruning.gp
#   cd docs/results && gnuplot -e 'variant="benchmark"' one-shot-pruning.gp   (MLPNet, 25 epochs)
if (!exists("variant")) variant = "one-shot"
if (!exists("network")) network = "mlpnet"
stem = "one-shot-pruning-" . network . (variant eq "one-shot" ? "" : "-" . variant)
name = network eq "lenet300" ? "LeNet-300-100" : "MLPNet"
set datafile separator ","
# LeNet-300-100's curves fill the lower left, where MLPNet's key sits: its key goes below.
height = network eq "lenet300" ? 720 : 560
set terminal pngcairo size 900,height font "DejaVu Sans,11"
set output stem . ".png"
set title variant eq "retrained" ? name . " on MNIST, one-shot pruning then 500 iterations of retraining (3 seeds)" : variant eq "benchmark" ? name . " on MNIST trained 25 epochs (CBS settings), one-shot pruning (3 seeds)" : name . " on MNIST, one-shot pruning without retraining (3 seeds)"
set xlabel "weights remaining (%), log scale"
set ylabel "test accuracy change vs dense (points)"
if (network eq "lenet300") { set key below maxrows 6 } else { set key left bottom }
set grid
set logscale x
set xrange [55:1.8]
set yrange [variant eq "retrained" ? -10 : variant eq "benchmark" ? -80 : -52:2]
set xtics (50, 40, 30, 20, 10, 5, 2)
file = stem . ".csv"
# Every method with its label; each figure draws some of them, a method keeping its colour.
methods = "magnitude obs layerwise-splicing layerwise-omp-splice layerwise-omp layerwise-iht fisher-omp fisher-iht woodfisher obs-reconstruction layerwise-omp-splice-reconstruction layerwise-lasso"
labels = "'magnitude (global)' 'OBS row by row' 'layerwise + splicing' 'layerwise + OMP, then splicing' 'layerwise + OMP' 'layerwise + IHT' 'Fisher model + OMP' 'Fisher model + IHT from magnitude' 'WoodFisher' 'OBS, reconstruction allocation' 'layerwise + OMP, then splicing, reconstruction allocation' 'layerwise + l1 path'"
colors = "#9400d3 #009e73 #56b4e9 #e69f00 #c8b400 #0072b2 #e51e10 #000000 #8b4513 #cc79a7 #ff1493 #808080"
drawn = network eq "lenet300" ? "1 2 3 4 5 6 7 8 9 10 11 12" : variant eq "retrained" ? "1 2 4 5 8 9 10" : variant eq "benchmark" ? "1 2 3 4 5 9 10 11" : "1 2 3 4 5 6 7 9 10"
row(m) = strcol(1) eq m ? 1 : NaN
plot for [n in drawn] file skip 1 \
     using (100 - 100 * $2 * row(word(methods, int(n)))):(100 * $6):(100 * $7) \
     with yerrorlines lw 2 lc rgb word(colors, int(n)) pt int(n) + 3 title word(labels, int(n))
