# au.gp — accelerator utilisation per job over time, in % (compute time /
# wall time over each sampling period, per GPU, as MLPerf Storage defines
# AU).  data: per curve, rows t_s, au_pct; a value covers the sampling
# period that ends at t_s (fsteps).
set xlabel 'simulated time (s)'
set ylabel 'accelerator utilisation, AU (%)'
set xrange [0:*]
set autoscale xfixmax
set yrange [0:105]
set ytics 10
plot for [i=1:n] data index (i-1) using 1:2 with fsteps lt cc(i) title tt(i)
