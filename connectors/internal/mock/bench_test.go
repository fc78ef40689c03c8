package mock

// The send benchmarks live here rather than in plugins/host because the in-process side needs
// this package, which Go's internal rule hides from plugins/host. The plugin side goes through
// the real host (plugins/host) and the real mocksms process.
//
//	go test -run '^$' -bench BenchmarkSend -benchtime 5000x ./connectors/internal/mock/

import (
	"context"

	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/internal/testbin"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
	"github.com/gatehouse-iam/gatehouse/plugins/host"
)

type sendFunc func(ctx context.Context) error

func benchMessage() (domain.OutboundMessage, connector.Message) {
	vars := map[string]string{"code": "123456", "ttl_minutes": "5"}
	d := domain.OutboundMessage{To: "+15555550100", Usage: domain.UsageLogin, Locale: "en",
		Template: domain.MessageTemplate{Usage: domain.UsageLogin, ID: "1001", Params: []string{"code", "ttl_minutes"}}, Variables: vars}
	c := connector.Message{To: d.To, Usage: connector.UsageLogin, Locale: "en",
		Template: connector.Template{ID: "1001", Params: []string{"code", "ttl_minutes"}}, Variables: vars}
	return d, c
}

// outboxes: "file" appends every message to a file in a temp dir (what tests do), "discard"
// measures the round trip alone.
func benchConfig(b *testing.B, outbox string) []byte {
	if outbox == "file" {
		outbox = filepath.Join(b.TempDir(), "outbox.jsonl")
	}
	return []byte(fmt.Sprintf(`{"outbox":%q,"api_key":"k-123456"}`, outbox))
}

func pluginSend(b *testing.B, outbox string) sendFunc {
	dir := b.TempDir()
	if err := os.Symlink(testbin.Build(b, "./connectors/mocksms"), filepath.Join(dir, "mocksms")); err != nil {
		b.Fatal(err)
	}
	h, err := host.New(context.Background(), host.Config{PluginDir: dir, MaxProcs: host.DefaultMaxProcs, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	cfg := benchConfig(b, outbox)
	msg, _ := benchMessage()
	send := func(ctx context.Context) error {
		_, err := h.Send(ctx, "mocksms", cfg, msg)
		return err
	}
	if err := send(context.Background()); err != nil { // launch outside the timer
		b.Fatal(err)
	}
	return send
}

func inProcessSend(b *testing.B, outbox string) sendFunc {
	c := New(connector.SMS)
	cfg := connector.Config(benchConfig(b, outbox))
	_, msg := benchMessage()
	return func(ctx context.Context) error {
		_, err := c.Send(ctx, cfg, msg)
		return err
	}
}

func BenchmarkSend(b *testing.B) {
	for _, where := range []struct {
		name string
		mk   func(*testing.B, string) sendFunc
	}{{"plugin", pluginSend}, {"inprocess", inProcessSend}} {
		for _, outbox := range []string{"file", Discard} {
			b.Run(fmt.Sprintf("%s/outbox=%s/c1", where.name, outbox), func(b *testing.B) {
				send := where.mk(b, outbox)
				b.ReportAllocs()
				ctx := context.Background()
				lat := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for range b.N {
					start := time.Now()
					if err := send(ctx); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
				b.StopTimer()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-us")
				b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-us")
			})
			b.Run(fmt.Sprintf("%s/outbox=%s/c16", where.name, outbox), func(b *testing.B) {
				send := where.mk(b, outbox)
				b.ReportAllocs()
				ctx := context.Background()
				// 16 goroutines whatever GOMAXPROCS is.
				b.SetParallelism((16 + gomaxprocs() - 1) / gomaxprocs())
				b.ResetTimer()
				cpu0 := cpuTime()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := send(ctx); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sends/s")
				// CPU per send, this process plus its plugin children: unlike sends/s it does not
				// depend on what else the machine is running. 2 cores / this = the ceiling.
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
			})
		}
	}
}

func gomaxprocs() int { return runtime.GOMAXPROCS(0) }

// cpuTime is the user+system CPU time of this process and of its live child processes (the
// plugins), read from /proc (Linux; elsewhere only this process counts).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	total := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		children, _ := os.ReadFile(filepath.Join("/proc/self/task", task.Name(), "children"))
		for _, pid := range strings.Fields(string(children)) {
			stat, err := os.ReadFile("/proc/" + pid + "/stat")
			if err != nil {
				continue
			}
			// Fields after the ")" closing the command name: utime and stime are the 12th and
			// 13th, in clock ticks (100 Hz on Linux).
			f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
			if len(f) > 12 {
				u, _ := strconv.Atoi(f[11])
				s, _ := strconv.Atoi(f[12])
				total += time.Duration(u+s) * 10 * time.Millisecond
			}
		}
	}
	return total
}
