package connector

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/gatehouse-iam/gatehouse/plugins/internal/protocol"
)

var (
	logMu  sync.RWMutex
	logger = hclog.New(&hclog.LoggerOptions{JSONFormat: true, Output: os.Stderr, Level: hclog.Info})
)

// Log is the connector process's logger: hclog JSON on stderr, which the host forwards to its
// own log with the connector's name. Never log secrets, codes or full phone numbers.
func Log() hclog.Logger {
	logMu.RLock()
	defer logMu.RUnlock()
	return logger
}

type loggerKey struct{}

// Logger is the logger for the call ctx belongs to: Log with the call's name ("send",
// "validate") when ctx comes from Serve, Log otherwise.
func Logger(ctx context.Context) hclog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(hclog.Logger); ok {
		return l
	}
	return Log()
}

// Serve is a connector's whole main. With the flag --describe it prints impl's Info as JSON to
// stdout and exits, which is how the host and humans learn what a binary is without a
// handshake. Otherwise it serves impl to the host over go-plugin gRPC until the host stops it
// (stop signals are left to the host) or the host is gone. Serve does not return.
func Serve(impl Connector) {
	os.Exit(serve(impl, os.Args[1:], os.Stdout, os.Stderr))
}

// serve is Serve without the exit, for tests.
func serve(impl Connector, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("connector", flag.ContinueOnError)
	fs.SetOutput(stderr)
	describe := fs.Bool("describe", false, "print the connector's metadata as JSON and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *describe {
		out, err := json.Marshal(impl.Describe())
		if err != nil {
			fmt.Fprintf(stderr, "describe: %v\n", err)
			return 1
		}
		if _, err := stdout.Write(append(out, '\n')); err != nil {
			return 1
		}
		return 0
	}

	// A connector's live heap is a few megabytes, so the default GOGC=100 collects very often
	// under load; 400 costs little memory and cut the plugin's CPU per call by about a fifth
	// in the host benchmarks. The host starts plugins without its environment, so GOGC is
	// honoured only when a connector's own main sets it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}

	// The logger was created with the process's real stderr before go-plugin swaps os.Stderr
	// for its stdio pipe, so connector logs reach the host's log parser, not the stdio stream.
	log := Log().Named(impl.Describe().Name)
	logMu.Lock()
	logger = log
	logMu.Unlock()

	// The host owns this process's lifetime: it stops its plugins after it has finished the
	// requests in flight. A stop signal sent to the whole process group or service (Ctrl-C in a
	// terminal, systemd's default stop) must not end the plugin first, under those requests:
	// go-plugin ignores SIGINT, and SIGTERM is ignored here. So that a plugin is never left
	// behind a host that died without stopping it, it exits once it is orphaned.
	signal.Ignore(syscall.SIGTERM)
	host := hostPID(log)
	if orphaned(log, host) {
		return 1
	}
	go exitWhenOrphaned(log, host, orphanCheckInterval)

	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: protocol.Handshake,
		Plugins:         protocol.PluginSet(impl, log),
		Logger:          log,
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts, grpc.ChainUnaryInterceptor(
				protocol.RecoverUnary(log),
				callLogger(log),
			))
			return grpc.NewServer(opts...)
		},
	})
	return 0
}

// callLogger puts a logger named for the call into its context, for Logger(ctx). The loggers
// are made once per method so a call costs one context value, not a logger allocation.
func callLogger(base hclog.Logger) grpc.UnaryServerInterceptor {
	byMethod := map[string]hclog.Logger{
		protocol.Connector_Describe_FullMethodName: base.With("call", "describe"),
		protocol.Connector_Validate_FullMethodName: base.With("call", "validate"),
		protocol.Connector_Send_FullMethodName:     base.With("call", "send"),
	}
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if l, ok := byMethod[info.FullMethod]; ok {
			ctx = context.WithValue(ctx, loggerKey{}, l)
		}
		return handler(ctx, req)
	}
}

// orphanCheckInterval is how often a plugin looks for its host.
const orphanCheckInterval = time.Second

// hostPID is the process id of the host that started this plugin: the one the host passed in
// protocol.HostPIDEnv. The parent's id alone is not enough, for a host that died in the
// plugin's first moments has already left init or a subreaper as the parent, which the plugin
// would then wait on forever. Without the variable (a plugin run by hand or by another host)
// the parent is the best guess there is.
func hostPID(log hclog.Logger) int {
	v, ok := os.LookupEnv(protocol.HostPIDEnv)
	if !ok {
		return os.Getppid()
	}
	pid, err := strconv.Atoi(v)
	if err != nil || pid <= 0 {
		log.Warn("the host pid is not a process id; watching the parent process instead",
			"variable", protocol.HostPIDEnv, "value", v)
		return os.Getppid()
	}
	return pid
}

// orphaned reports whether the host is no longer this process's parent: it died without
// stopping the plugin.
func orphaned(log hclog.Logger, host int) bool {
	if os.Getppid() == host {
		return false
	}
	log.Warn("the host is gone; exiting", "host_pid", host)
	return true
}

// exitWhenOrphaned ends the process once it is orphaned.
func exitWhenOrphaned(log hclog.Logger, host int, every time.Duration) {
	for range time.Tick(every) {
		if orphaned(log, host) {
			os.Exit(1)
		}
	}
}
