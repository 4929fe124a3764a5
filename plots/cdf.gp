# cdf.gp — cumulative distributions (latencies, checkpoint stalls).
# data: per curve, rows x (in the unit the .dat header names), fraction <= x;
# latency curves are coloured by tier, solid for reads, dashed for writes.
# Extra variables: xlabel, ylabel, logx (1: log-scale x), xmin, xmax (the
# x range, in the data's unit), xtics (a gnuplot tic list, '' for automatic).
if (logx) {
    set logscale x 10
    set mxtics 10
    set grid mxtics lc rgb '#eeeeee'
}
set xrange [xmin:xmax]
if (strlen(xtics) > 0) { eval('set xtics ' . xtics) }
set xlabel xlabel
set ylabel ylabel
set yrange [0:1.02]
set ytics 0, 0.1, 1
# Two columns of legend fit the width; more were cut off at the edge (9
# backend curves in the bundled default made three), so more curves take
# more rows.
eval sprintf('set key outside below center Left reverse vertical maxrows %d width -3 height 1 spacing 1.15 samplen 4 nobox', n > 8 ? (n + 1) / 2 : 4)
# Reference lines at the median and the 99th percentile.
set arrow 1 from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 3 lw 1 lc rgb '#909090' back
set arrow 2 from graph 0, first 0.99 to graph 1, first 0.99 nohead dt 3 lw 1 lc rgb '#909090' back
set label 1 'p50' at graph 0.995, first 0.5 right offset 0, 0.6 tc rgb '#707070'
set label 2 'p99' at graph 0.995, first 0.99 right offset 0, -0.7 tc rgb '#707070'
plot for [i=1:n] data index (i-1) using 1:2 with lines lt cc(i) dt dd(i) title tt(i)
