package signin

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type blockingSettings struct{ ports.OTPSettingsStore }

func (blockingSettings) Get(_ context.Context, poolID string) (*domain.OTPSettings, error) {
	set := domain.DefaultOTPSettings(poolID)
	set.BlockedEmailDomains = []string{"spam.example"}
	return set, nil
}

// TestSendAuditsEveryRefusal: a send refused for its input or the pool's policy is audited as
// a failed SEND_OTP naming the refusal, like one refused by the limits, even when the client
// has hung up.
func TestSendAuditsEveryRefusal(t *testing.T) {
	log := &fake.AuditLog{}
	s := &Service{Settings: blockingSettings{}, Clock: fake.Clock{T: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)},
		Audit: audit.Recorder{Log: log, Clock: fake.Clock{}, IDs: &fake.IDs{}}}
	app := &domain.Application{ID: "a", PoolID: "p"}
	for _, tc := range []struct {
		req  SendRequest
		code string
	}{
		{SendRequest{Usage: "dance", PhoneNumber: "13612345678"}, domain.CodeInvalidRequest},
		{SendRequest{PhoneNumber: "12345", AuthSourceID: "s"}, domain.ErrMalformedPhone.Code},
		{SendRequest{Usage: domain.UsageSignup, Email: "bob@mx.spam.example"}, "invalid_email"},
	} {
		tc.req.App, tc.req.IP = app, "192.0.2.1"
		before := len(log.Events)
		// The client has hung up: the refusal is recorded all the same.
		hungUp, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Send(hungUp, tc.req); domain.CodeOf(err) != tc.code {
			t.Fatalf("send %+v: %v, want %s", tc.req, err, tc.code)
		}
		if len(log.Events) != before+1 {
			t.Fatalf("send refused with %s: %d events recorded, want 1", tc.code, len(log.Events)-before)
		}
		e := log.Events[before]
		if e.Type != domain.AuditSendOTP || e.Result != domain.AuditFailure || e.IP != "192.0.2.1" ||
			!strings.Contains(e.Details, "error="+tc.code) {
			t.Errorf("event of a send refused with %s: %+v", tc.code, e)
		}
	}
}

// together runs both functions at once and returns after both, also when main panics; a panic
// on the side, or a side that exits its goroutine, reaches the caller.
func TestTogether(t *testing.T) {
	mainStarted, sideStarted := make(chan struct{}), make(chan struct{})
	var mainDone, sideDone bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		together(func() {
			close(mainStarted)
			<-sideStarted // each waits for the other to have begun: run in turn, they would hang
			mainDone = true
		}, func() {
			close(sideStarted)
			<-mainStarted
			sideDone = true
		})
	}()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("together ran main and side one after the other")
	}
	if !mainDone || !sideDone {
		t.Fatalf("returned with main done %v, side done %v", mainDone, sideDone)
	}

	panicOf := func(main, side func()) (r any) {
		defer func() { r = recover() }()
		together(main, side)
		return nil
	}
	if r, _ := panicOf(func() {}, func() { panic("side failed") }).(string); !strings.HasPrefix(r, "side failed\n") ||
		!strings.Contains(r, "TestTogether") {
		t.Errorf("side's panic reached the caller as %q, want its value and its stack", r)
	}
	if r, _ := panicOf(func() {}, runtime.Goexit).(string); !strings.Contains(r, "without returning") {
		t.Errorf("a side that exited its goroutine: recovered %q", r)
	}
	sideFinished := false
	release := make(chan struct{})
	if r := panicOf(func() { close(release); panic("main failed") }, func() { <-release; time.Sleep(10 * time.Millisecond); sideFinished = true }); r != "main failed" || !sideFinished {
		t.Errorf("main's panic: recovered %v, side finished %v; want main's panic after side finished", r, sideFinished)
	}
}

// A send to an unknown recipient waits about as long as the pool's real sends on the channel
// have been taking, not another pool's or channel's; a client that hangs up ends the wait.
func TestPretendSendWaitsThePoolsSendTime(t *testing.T) {
	s := &Service{}
	s.sendTimes.record("slow", domain.ChannelSMS, 80*time.Millisecond)
	s.sendTimes.record("slow", domain.ChannelSMS, 80*time.Millisecond)
	for range 20 {
		s.sendTimes.record("fast", domain.ChannelSMS, time.Millisecond)
		s.sendTimes.record("slow", domain.ChannelEmail, time.Millisecond)
	}
	timed := func(pool, channel string) time.Duration {
		start := time.Now()
		s.pretendSend(context.Background(), pool, channel)
		return time.Since(start)
	}
	if d := timed("slow", domain.ChannelSMS); d < 80*time.Millisecond {
		t.Errorf("pretended the slow pool's SMS in %v, its real ones take 80ms", d)
	}
	if d := timed("fast", domain.ChannelSMS); d > 60*time.Millisecond {
		t.Errorf("pretended the fast pool's SMS in %v, its real ones take 1ms", d)
	}
	if got := s.sendTimes.typical("new", domain.ChannelSMS); got != unmeasuredSendTime {
		t.Errorf("a pool that has not sent yet pretends %v, want %v", got, unmeasuredSendTime)
	}

	s.sendTimes.record("slow", domain.ChannelSMS, time.Hour) // folded in at 1/8: far longer than the test
	hungUp, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	go func() { s.pretendSend(hungUp, "slow", domain.ChannelSMS); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a pretended send outlived its request")
	}
}

// Concurrent sends fold into one average without losing any (run with -race).
func TestSendTimesConcurrentRecords(t *testing.T) {
	var st sendTimes
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				st.record("p", domain.ChannelSMS, 50*time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if got := st.typical("p", domain.ChannelSMS); got != 50*time.Millisecond {
		t.Fatalf("average of equal sends is %v, want 50ms", got)
	}
}
