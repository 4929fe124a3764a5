# tiers.gp — per tier, hit ratio (bars, left) and the share of all reads
# it served (one stacked bar, right).  data: one block per tier, one row:
# tier, hit_pct, served_pct, served_from_pct, served_to_pct.
# Extra variable: have_share (0: the run has no served shares; left only).
set style fill solid 0.85 border lc rgb '#404040'
set boxwidth 0.6
set grid noxtics ytics
set yrange [0:110]
set ytics 0, 10, 100
set key off
if (have_share) {
    unset title
    set multiplot title sprintf("%s\n%s", plot_title, subtitle)
    set size 0.62, 0.9
    set origin 0, 0
}
set xrange [0.4:n + 0.6]
set xlabel 'tier (hot to cold)'
set ylabel 'hit ratio (% of lookups that reach the tier)'
plot for [i=1:n] data index (i-1) using (i):2:xtic(1) with boxes lt cc(i) notitle, \
     for [i=1:n] data index (i-1) using (i):2:(sprintf('%.1f%%', $2)) with labels offset 0, 0.8 notitle
if (have_share) {
    set size 0.38, 0.9
    set origin 0.62, 0
    set xrange [0.3:1.7]
    set xtics ('all reads' 1)
    set xlabel ' '
    set ylabel 'share of reads served (%)'
    plot for [i=1:n] data index (i-1) using (1):(($4+$5)/2):(0.6):(1.4):4:5 with boxxyerror lt cc(i) notitle, \
         for [i=1:n] data index (i-1) using (1):(($4+$5)/2):($3 >= 4 ? sprintf('%s %.1f%%', stringcolumn(1), $3) : '') with labels notitle
    unset multiplot
}
