# bandwidth.gp — GB/s per tier (or per cumulative-bytes series) over time.
# data: per curve, rows t_s, dt_s, rate_GBps; the rate holds over the
# interval (t - dt, t], which is what fsteps draws.  Read is solid and
# thick, write dashed and thin, one colour per tier: a dash restarts at
# every step, so a write's 1 s steps drew as solid as a read's.
set xlabel 'simulated time (s)'
set ylabel 'bandwidth (GB/s)'
set xrange [0:*]
set autoscale xfixmax
set yrange [0:*]
set offsets 0, 0, graph 0.05, 0
plot for [i=1:n] data index (i-1) using 1:3 with fsteps lt cc(i) dt dd(i) lw (dd(i) > 1 ? 1.2 : 2.5) title tt(i)
