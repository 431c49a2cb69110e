# The figure of docs/results.md's Frankle & Carbin paper-setting section, from its CSV:
#   cd docs/results && gnuplot frankle-carbin-lenet300-paper.gp
set datafile separator ","
set terminal pngcairo size 1100,460 font "DejaVu Sans,11"
set output "frankle-carbin-lenet300-paper.png"
set multiplot layout 1,2 title "LeNet-300-100 on MNIST, Frankle and Carbin's setting (mean ± std over 3 seeds)"
set logscale x
set xrange [110:1.5]
set xtics (100, 51.3, 21.1, 8.7, 3.6, 1.8)
set xlabel "weights remaining (%), log scale"
set grid
set key left bottom
file = "frankle-carbin-lenet300-paper-accuracy.csv"
kinds = "ticket random-reinit random-mask"
labels = "'winning ticket (reset to W0)' 'random re-initialization' 'random mask'"
colors = "#0072b2 #e69f00 #9400d3"
is(k) = strcol(1) eq k ? 1 : NaN
set ylabel "test accuracy at early stopping"
set yrange [0.93:0.986]
plot for [n=1:3] file skip 1 using (100 * $3 * is(word(kinds, n))):7:8 \
     with yerrorlines lw 2 lc rgb word(colors, n) pt n + 5 title word(labels, n)
set ylabel "early-stopping iteration"
set yrange [0:50000]
set key left top
plot for [n=1:3] file skip 1 using (100 * $3 * is(word(kinds, n))):5:6 \
     with yerrorlines lw 2 lc rgb word(colors, n) pt n + 5 title word(labels, n)
unset multiplot
