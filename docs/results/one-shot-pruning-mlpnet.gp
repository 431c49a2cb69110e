# The figure of docs/results.md's one-shot MLPNet section, from its CSV:
#   cd docs/results && gnuplot one-shot-pruning-mlpnet.gp
set datafile separator ","
set terminal pngcairo size 900,560 font "DejaVu Sans,11"
set output "one-shot-pruning-mlpnet.png"
set title "MLPNet on MNIST, one-shot pruning without retraining (3 seeds)"
set xlabel "weights remaining (%), log scale"
set ylabel "test accuracy change vs dense (points)"
set key left bottom
set grid
set logscale x
set xrange [55:1.8]
set yrange [-52:2]
set xtics (50, 40, 30, 20, 10, 5, 2)
file = "one-shot-pruning-mlpnet.csv"
methods = "magnitude obs layerwise-splicing layerwise-omp-splice layerwise-omp layerwise-iht fisher-omp woodfisher"
labels = "'magnitude (global)' 'OBS row by row' 'layerwise + splicing' 'layerwise + OMP, then splicing' 'layerwise + OMP' 'layerwise + IHT' 'Fisher model + OMP' 'WoodFisher'"
row(m) = strcol(1) eq m ? 1 : NaN
plot for [i = 1:words(methods)] file skip 1 \
     using (100 - 100 * $2 * row(word(methods, i))):(100 * $6):(100 * $7) \
     with yerrorlines lw 2 pt i + 3 title word(labels, i)
