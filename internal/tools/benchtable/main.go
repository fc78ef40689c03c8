// Command benchtable turns `go test -bench` output on stdin into the Markdown table the README
// shows: one row per benchmark with ns/op and every custom metric, then the growth ratios of
// benchmarks that differ only in a size parameter such as users=10000 → users=100000.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

type result struct {
	name    string
	metrics map[string]float64
}

var (
	gomaxprocsSuffix = regexp.MustCompile(`-\d+$`)
	sizeParam        = regexp.MustCompile(`(users|rows)=(\d+)`)
)

func main() {
	results, units := parse(os.Stdin)
	write(os.Stdout, results, units)
}

func parse(r io.Reader) ([]result, []string) {
	var results []result
	seenUnit := map[string]bool{}
	var units []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(os.Stderr, line)
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		res := result{name: gomaxprocsSuffix.ReplaceAllString(strings.TrimPrefix(fields[0], "Benchmark"), ""), metrics: map[string]float64{}}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			unit := fields[i+1]
			if unit == "B/op" || unit == "allocs/op" {
				continue
			}
			res.metrics[unit] = v
			if !seenUnit[unit] {
				seenUnit[unit] = true
				units = append(units, unit)
			}
		}
		results = append(results, res)
	}
	return results, units
}

func write(w io.Writer, results []result, units []string) {
	if len(results) == 0 {
		fmt.Fprintln(w, "no benchmark results")
		return
	}
	fmt.Fprintf(w, "\n| benchmark | %s |\n|---|%s\n", strings.Join(units, " | "), strings.Repeat("---:|", len(units)))
	byName := map[string]result{}
	for _, r := range results {
		byName[r.name] = r
		cells := make([]string, len(units))
		for i, u := range units {
			if v, ok := r.metrics[u]; ok {
				cells[i] = format(v)
			}
		}
		fmt.Fprintf(w, "| %s | %s |\n", r.name, strings.Join(cells, " | "))
	}
	var ratios []string
	for _, r := range results {
		m := sizeParam.FindStringSubmatch(r.name)
		if m == nil {
			continue
		}
		big, _ := strconv.Atoi(m[2])
		for _, small := range []int{big / 10} {
			other := strings.Replace(r.name, m[0], fmt.Sprintf("%s=%d", m[1], small), 1)
			base, ok := byName[other]
			if !ok || base.metrics["ns/op"] == 0 {
				continue
			}
			ratios = append(ratios, fmt.Sprintf("| %s vs %s=%d | %.2f× |", r.name, m[1], small, r.metrics["ns/op"]/base.metrics["ns/op"]))
		}
	}
	if len(ratios) > 0 {
		sort.Strings(ratios)
		fmt.Fprintf(w, "\n| growth (ns/op) | ratio |\n|---|---:|\n%s\n", strings.Join(ratios, "\n"))
	}
}

func format(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}
