# common.gp — what every tiersim plot shares: terminal, fonts, colours,
# the two-line title.  `tiersim plot` runs gnuplot as
#   gnuplot -e "VARIABLES" common.gp PLOT.gp
# once for PNG and once for SVG, with these variables:
#   data        the plot's .dat file (tab-separated; one block per curve)
#   out, fmt    the picture to write and its format: 'png' or 'svg'
#   plot_title  what the plot shows;  subtitle  the run, database and scenario
#   n           the number of curves (blocks in data)
#   tI, cI, dI  curve I's legend title, colour (linetype 1..) and dash (1 solid)
# and any a plot's script documents itself.
if (fmt eq 'svg') {
    set terminal svg size 1280,800 dynamic noenhanced font 'Sans,16' background rgb 'white'
} else {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size 1280,800 noenhanced font 'Sans,14'
    } else {
        set terminal png size 1280,800 noenhanced font 'Sans' 13
    }
}
set output out
set encoding utf8
set datafile separator "\t"
set datafile missing 'NaN'

# Tableau 10: distinct, and readable by most colour-blind readers.
set linetype 1 lc rgb '#1f77b4' lw 2.5
set linetype 2 lc rgb '#ff7f0e' lw 2.5
set linetype 3 lc rgb '#2ca02c' lw 2.5
set linetype 4 lc rgb '#d62728' lw 2.5
set linetype 5 lc rgb '#9467bd' lw 2.5
set linetype 6 lc rgb '#8c564b' lw 2.5
set linetype 7 lc rgb '#e377c2' lw 2.5
set linetype 8 lc rgb '#7f7f7f' lw 2.5
set linetype 9 lc rgb '#bcbd22' lw 2.5
set linetype 10 lc rgb '#17becf' lw 2.5
set linetype cycle 10

set border 3 lw 1.2
set tics nomirror
set grid xtics ytics lc rgb '#d0d0d0' lw 1 dt 1
set key outside right top vertical Left reverse samplen 3 spacing 1.2 box lc rgb '#c0c0c0'
set title sprintf("%s\n%s", plot_title, subtitle)

tt(i) = value(sprintf('t%d', i))
cc(i) = value(sprintf('c%d', i))
dd(i) = value(sprintf('d%d', i))
