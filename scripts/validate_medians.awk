# validate_medians.awk -- the medians of several runs of `tiersim validate
# hardware --format csv` on one case (scripts/validate.sh, VALIDATE_RUNS=N):
# one line per metric, in the order of the first table, with the median
# error over the runs, its range, and whether the median meets the row's
# goal ("+/-10%", "+/-3 pt"); an exact row passes only if it agreed in
# every run.  Exit status 1 when a row misses.
#
#   awk -F, -v runs=N -f scripts/validate_medians.awk RUN1.csv RUN2.csv ...

FNR == 1 { next }
{
	k = $1
	if (!(k in kind)) { order[++n] = k; kind[k] = $2; unit[k] = $5; goal[k] = $7 }
	e = $6; gsub(/[+%]|pt| /, "", e)
	cnt[k]++; val[k, cnt[k]] = e + 0
	if ($8 != "pass") anyfail[k] = 1
}
END {
	printf "%-37s %-10s %5s %12s %22s %8s %6s\n", "metric", "kind", "runs", "median err", "range", "goal", "result"
	bad = 0
	for (i = 1; i <= n; i++) {
		k = order[i]; m = cnt[k]
		for (a = 1; a <= m; a++) v[a] = val[k, a]
		for (a = 2; a <= m; a++) { x = v[a]; for (b = a - 1; b >= 1 && v[b] > x; b--) v[b + 1] = v[b]; v[b + 1] = x }
		med = m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
		suf = kind[k] == "points" ? "pt" : "%"
		if (kind[k] == "exact") {
			ok = !(k in anyfail)
		} else {
			g = goal[k]; gsub(/[+\/%-]|pt| /, "", g)
			ok = (med < 0 ? -med : med) <= g + 0
		}
		if (!ok) bad++
		printf "%-37s %-10s %5d %+10.2f%-2s %+9.2f to %+9.2f%-2s %8s %6s\n", k, kind[k], m, med, suf, v[1], v[m], suf,
			goal[k], ok ? "pass" : "FAIL"
	}
	printf "\n%d of %d rows meet their goal on the median of %d runs\n", n - bad, n, runs
	exit (bad > 0)
}
