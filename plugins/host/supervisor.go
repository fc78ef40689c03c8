package host

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/grpc/codes"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
	"github.com/gatehouse-iam/gatehouse/plugins/internal/protocol"
)

// entry is one registered connector binary and its (at most one) running process.
type entry struct {
	host   *Host
	path   string
	sum    []byte
	typ    domain.ConnectorType
	schema *jsonschema.Schema
	log    *slog.Logger

	// cur is the running instance, read lock-free on every call.
	cur atomic.Pointer[instance]
	// consecutive counts crashes and failed launches since the last successful call.
	consecutive atomic.Int32

	// sem is a one-slot lock over launching and the fields below; a channel, not a mutex, so a
	// caller waiting for someone else's launch still honours its own deadline.
	sem      chan struct{}
	retryAt  time.Time
	lastErr  error // why the last launch failed or the process died, the cause while backing off
	closed   bool
	reapers  sync.WaitGroup
	launches int
}

// instance is one launched plugin process.
type instance struct {
	client *plugin.Client
	conn   *protocol.Client
	pid    int
}

func newEntry(h *Host, path string, sum []byte, typ domain.ConnectorType, sch *jsonschema.Schema) *entry {
	return &entry{
		host:   h,
		path:   path,
		sum:    sum,
		typ:    typ,
		schema: sch,
		log:    h.log.With("connector", typ.Name),
		sem:    make(chan struct{}, 1),
	}
}

func (e *entry) lock(ctx context.Context) error {
	select {
	case e.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return unavailable("timed out waiting for the connector plugin to start", ctx.Err())
	}
}

func (e *entry) unlock() { <-e.sem }

// call runs fn against the plugin with the call deadline, launching the plugin if needed.
func (e *entry) call(ctx context.Context, fn func(context.Context, connector.Connector) error) error {
	inst, err := e.acquire(ctx)
	if err != nil {
		return err
	}
	// The caller's deadline wins when it is sooner; only then is a timer of our own saved.
	cctx := ctx
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > e.host.cfg.CallTimeout {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, e.host.cfg.CallTimeout)
		defer cancel()
	}
	err = fn(cctx, inst.conn)
	code, transport := protocol.IsTransport(err)
	if !transport {
		// The plugin answered (with a receipt or a connector error): it works, so a later
		// crash is relaunched at once again.
		if e.consecutive.Load() != 0 {
			e.consecutive.Store(0)
		}
		return err
	}
	// The call got no answer although the caller still waits (or our own deadline hit): find
	// out whether the plugin is still there, so the next call relaunches a dead one.
	if ctx.Err() == nil && code != codes.Canceled {
		e.checkHealth(inst)
	}
	return err
}

// acquire returns the running instance, relaunching a crashed plugin lazily.
func (e *entry) acquire(ctx context.Context) (*instance, error) {
	if inst := e.cur.Load(); inst != nil && !inst.client.Exited() {
		return inst, nil
	}
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	if e.closed {
		return nil, unavailable("the connector host is shut down", ErrClosed)
	}
	if inst := e.cur.Load(); inst != nil {
		if !inst.client.Exited() {
			return inst, nil
		}
		e.crashedLocked(inst, "connector plugin exited")
	}
	if wait := time.Until(e.retryAt); wait > 0 {
		desc := "the connector plugin crashed and is being restarted"
		if errors.Is(e.lastErr, ErrBinaryChanged) {
			desc = "the connector binary changed since it was registered and is refused"
		}
		err := unavailable(desc, e.lastErr)
		err.RetryAfter = wait
		return nil, err
	}
	inst, err := e.launch()
	if err != nil {
		n := e.consecutive.Add(1)
		e.retryAt = time.Now().Add(e.backoff(int(n)))
		e.lastErr = err
		e.log.Error("connector plugin failed to start", "error", err, "consecutive_failures", n)
		if errors.Is(err, ErrBinaryChanged) {
			return nil, unavailable("the connector binary changed since it was registered and is refused", err)
		}
		return nil, unavailable("the connector plugin failed to start", err)
	}
	e.cur.Store(inst)
	return inst, nil
}

// backoff is the wait before the n-th consecutive relaunch: none for the first (a single
// crash is answered by an immediate relaunch), then doubling from BackoffMin up to BackoffMax.
func (e *entry) backoff(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	d := e.host.cfg.BackoffMin
	for i := 2; i < n && d < e.host.cfg.BackoffMax; i++ {
		d *= 2
	}
	return min(d, e.host.cfg.BackoffMax)
}

// launch starts the plugin process. go-plugin checks the pinned checksum before exec.
func (e *entry) launch() (*instance, error) {
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  protocol.Handshake,
		Plugins:          protocol.PluginSet(nil, nil),
		Cmd:              protocol.Command(e.path, e.host.cfg.MaxProcs),
		SecureConfig:     &plugin.SecureConfig{Checksum: e.sum, Hash: sha256.New()},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     e.host.cfg.StartTimeout,
		Logger:           newHCLogAdapter(e.log),
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			return nil, fmt.Errorf("launch %s: %w", e.path, ErrBinaryChanged)
		}
		return nil, fmt.Errorf("launch %s: %w", e.path, err)
	}
	raw, err := rpc.Dispense(protocol.PluginName)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("dispense connector from %s: %w", e.path, err)
	}
	conn, ok := raw.(*protocol.Client)
	if !ok {
		client.Kill()
		return nil, fmt.Errorf("dispense connector from %s: unexpected %T", e.path, raw)
	}
	pid, _ := strconv.Atoi(client.ID())
	e.launches++
	e.log.Info("connector plugin started", "pid", pid, "launch", e.launches)
	return &instance{client: client, conn: conn, pid: pid}, nil
}

// healthTimeout bounds the ping after a failed call; a plugin that cannot answer a health
// check in this time is treated as dead.
const healthTimeout = 2 * time.Second

// checkHealth pings the plugin after a call that got no answer. A slow connector (deadline
// exceeded) still answers pings and is kept; a dead or wedged process is dropped, so the next
// call relaunches it.
func (e *entry) checkHealth(inst *instance) {
	if !inst.client.Exited() && ping(inst.client) == nil {
		return
	}
	e.sem <- struct{}{}
	defer e.unlock()
	if e.cur.Load() == inst {
		e.crashedLocked(inst, "connector plugin stopped answering")
	}
}

func ping(c *plugin.Client) error {
	rpc, err := c.Client()
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- rpc.Ping() }()
	select {
	case err := <-done:
		return err
	case <-time.After(healthTimeout):
		return errors.New("ping timed out")
	}
}

// crashedLocked drops a dead instance and schedules the next launch. The process is reaped in
// the background (Kill waits for it) so the caller that noticed does not wait for that.
func (e *entry) crashedLocked(inst *instance, why string) {
	e.cur.Store(nil)
	n := e.consecutive.Add(1)
	e.retryAt = time.Now().Add(e.backoff(int(n)))
	e.lastErr = errors.New(why)
	e.log.Warn(why, "pid", inst.pid, "consecutive_failures", n, "next_launch_in", e.backoff(int(n)).String())
	e.reapers.Add(1)
	go func() {
		defer e.reapers.Done()
		inst.client.Kill()
	}()
}

// close kills the running instance and waits until every process of this entry is gone.
func (e *entry) close() {
	e.sem <- struct{}{}
	e.closed = true
	inst := e.cur.Swap(nil)
	e.unlock()
	if inst != nil {
		inst.client.Kill()
		e.log.Info("connector plugin stopped", "pid", inst.pid)
	}
	e.reapers.Wait()
}

// pid is the running plugin's process ID, 0 when none runs (tests).
func (e *entry) pid() int {
	if inst := e.cur.Load(); inst != nil {
		return inst.pid
	}
	return 0
}
