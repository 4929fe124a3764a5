# in_system.gp — jobs in system (waiting or in service) per resource over
# time, as sampled.  data: per curve, rows t_s, jobs.
set xlabel 'simulated time (s)'
set ylabel 'jobs in system (waiting + in service)'
set xrange [0:*]
set autoscale xfixmax
set yrange [0:*]
set offsets 0, 0, graph 0.05, 0
plot for [i=1:n] data index (i-1) using 1:2 with steps lt cc(i) title tt(i)
