package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/migrations"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// The benchmarks' HTTP load comes from a load generator in a process of its own (this test
// binary, started again with loadSpecEnv naming its job), so that the benchmark process's CPU
// time is the server's alone and the load's own cost is reported apart from it.
const loadSpecEnv = "GATEHOUSE_BENCH_LOAD"

// Load operations.
const (
	loadLogin   = "login"   // POST /otp/send, the code from the outbox, POST /oauth2/token
	loadSend    = "send"    // POST /otp/send
	loadRefresh = "refresh" // chains of refresh grants, one per worker
)

// loadSpec is a load generator's job.
type loadSpec struct {
	URL      string `json:"url"`
	Op       string `json:"op"`
	Workers  int    `json:"workers"`
	N        int    `json:"n"`
	ClientID string `json:"client_id"`
	Secret   string `json:"secret"`
	// login and send
	Source string   `json:"source,omitempty"`
	Phones []string `json:"phones,omitempty"` // one per op
	Outbox string   `json:"outbox,omitempty"`
	// refresh: the first token of each worker's chain
	Refresh []string `json:"refresh,omitempty"`
}

// loadResult is what the load generator measured: the time its ops took from the first to the
// last, their latencies' median and 99th percentile, and its own CPU time.
type loadResult struct {
	Elapsed time.Duration `json:"elapsed"`
	P50     time.Duration `json:"p50"`
	P99     time.Duration `json:"p99"`
	CPU     time.Duration `json:"cpu"`
	Err     string        `json:"err,omitempty"`
}

// serverLoad is the CPU the server side spent while a load ran: this process, its plugin
// processes, and the database server when it runs on this machine (-1 when not seen).
type serverLoad struct {
	process, plugins, database time.Duration
}

// runLoad runs spec in a load generator process and reports the rate of ops (as rate, e.g.
// "logins/s"), their p50 and p99 latency, and per op (unit, e.g. "login") the CPU time of this
// process (the server: cpu-ms), of its plugins, of the load generator and, where seen, of the
// database server.
func (s *benchServer) runLoad(b *testing.B, spec loadSpec, rate, unit string) {
	b.Helper()
	spec.N = b.N
	path := filepath.Join(b.TempDir(), "load.json")
	raw, err := json.Marshal(spec)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		b.Fatal(err)
	}
	// A guard against a hung generator, far beyond any run's length.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	// One thread runs the generator's Go code: its requests mostly wait on the server, and
	// every further thread woken for an answer takes the cores the server is measured on (the
	// login benchmark ran about 8 % slower with Go's default, one per CPU).
	cmd.Env = append(os.Environ(), loadSpecEnv+"="+path, "GOMAXPROCS=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	b.ResetTimer()
	before := measureServer()
	runErr := cmd.Run()
	after := measureServer()
	b.StopTimer()
	var res loadResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || runErr != nil {
		b.Fatalf("load generator: %v %v\nstdout: %s\nstderr: %s", runErr, err, out.Bytes(), errOut.Bytes())
	}
	if res.Err != "" {
		b.Fatalf("load generator: %s", res.Err)
	}
	perOp := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(float64(b.N)/res.Elapsed.Seconds(), rate)
	b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(perOp(after.process-before.process), "cpu-ms/"+unit)
	b.ReportMetric(perOp(after.plugins-before.plugins), "plugin-cpu-ms/"+unit)
	b.ReportMetric(perOp(res.CPU), "client-cpu-ms/"+unit)
	if s.App.DB.Dialect == migrations.MySQL && before.database >= 0 && after.database >= 0 {
		b.ReportMetric(perOp(after.database-before.database), "db-cpu-ms/"+unit)
	}
}

func measureServer() serverLoad {
	self := strconv.Itoa(os.Getpid())
	load := serverLoad{process: cpuTime(), database: -1}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces, so fields are counted after it.
		open, closing := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
		if open < 0 || closing < open {
			continue
		}
		comm, fields := string(stat[open+1:closing]), strings.Fields(string(stat[closing+1:]))
		if len(fields) < 13 {
			continue
		}
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		used := time.Duration(utime+stime) * time.Second / 100 // USER_HZ, 100 on Linux
		switch {
		case fields[1] == self: // a child: the plugins (the load generator is not running now)
			load.plugins += used
		case comm == "mariadbd" || comm == "mysqld":
			load.database = used
		}
	}
	return load
}

// runLoadGenerator is the load generator process's whole work: it reads its job, runs it,
// writes its loadResult to stdout and reports whether the job succeeded.
func runLoadGenerator(specPath string) bool {
	res := loadResult{}
	spec, err := readLoadSpec(specPath)
	if err == nil {
		err = generateLoad(spec, &res)
	}
	if err != nil {
		res.Err = err.Error()
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return res.Err == ""
}

func readLoadSpec(path string) (*loadSpec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec loadSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	if spec.Workers < 1 || spec.N < 1 {
		return nil, errors.New("load spec: workers and n must be positive")
	}
	return &spec, nil
}

func generateLoad(spec *loadSpec, res *loadResult) error {
	tr := &http.Transport{MaxIdleConns: 4 * spec.Workers, MaxIdleConnsPerHost: 4 * spec.Workers, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	s := &benchServer{URL: spec.URL, client: &http.Client{Transport: tr}}
	e := &benchEnv{clientID: spec.ClientID, secret: spec.Secret, source: spec.Source,
		outbox: &outboxReader{path: spec.Outbox, codes: map[string]string{}}}
	defer e.outbox.Close()
	var op func(worker, i int) error
	switch spec.Op {
	case loadLogin:
		op = func(_, i int) error { return e.login(s, spec.Phones[i]) }
	case loadSend:
		op = func(_, i int) error {
			_, err := e.send(s, spec.Phones[i])
			return err
		}
	case loadRefresh:
		if len(spec.Refresh) != spec.Workers {
			return fmt.Errorf("load spec: %d refresh tokens for %d workers", len(spec.Refresh), spec.Workers)
		}
		auth, chains := servertest.BasicAuth(spec.ClientID, spec.Secret), slices.Clone(spec.Refresh)
		op = func(w, _ int) error {
			next, err := refreshOnce(s.client, spec.URL, auth, chains[w])
			chains[w] = next
			return err
		}
	default:
		return fmt.Errorf("load spec: unknown op %q", spec.Op)
	}
	if (spec.Op == loadLogin || spec.Op == loadSend) && len(spec.Phones) < spec.N {
		return fmt.Errorf("load spec: %d phone numbers for %d ops", len(spec.Phones), spec.N)
	}
	lat, elapsed, cpu, err := drive(spec.Workers, spec.N, op)
	if err != nil {
		return err
	}
	res.Elapsed, res.CPU = elapsed, cpu
	res.P50, res.P99 = lat[spec.N/2], lat[min(spec.N-1, spec.N*99/100)]
	return nil
}

// drive runs n ops from workers goroutines, each op numbered and run by one worker, and returns
// their sorted latencies, the time from the first to the last, and the process's CPU time
// meanwhile. The first failure stops it.
func drive(workers, n int, op func(worker, i int) error) (lat []time.Duration, elapsed, cpu time.Duration, err error) {
	lat = make([]time.Duration, n)
	var next atomic.Int64
	var failed atomic.Pointer[error] // the first failure
	var wg sync.WaitGroup
	cpu0, start := cpuTime(), time.Now()
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed.Load() != nil {
					return
				}
				t0 := time.Now()
				if err := op(w, i); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed, cpu = time.Since(start), cpuTime()-cpu0
	if err := failed.Load(); err != nil {
		return nil, 0, 0, *err
	}
	slices.Sort(lat)
	return lat, elapsed, cpu, nil
}
