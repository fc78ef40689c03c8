package session

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// memRefresh is a refresh token store whose transactions (memTx) roll back.
type memRefresh struct {
	ports.RefreshTokenStore
	mu      sync.Mutex
	rotated map[string]bool
	stored  map[string]bool
	slow    chan struct{} // closed to let the first transaction finish
}

func (m *memRefresh) RotateMany(_ context.Context, ids []string, _ time.Time) ([]string, error) {
	var won []string
	for _, id := range ids {
		if !m.rotated[id] {
			m.rotated[id] = true
			won = append(won, id)
		}
	}
	return won, nil
}

func (m *memRefresh) InsertMany(_ context.Context, ts []*domain.RefreshToken) error {
	for _, t := range ts {
		if t.UserID == "bad" {
			return errors.New("insert refused")
		}
		m.stored[t.ID] = true
	}
	return nil
}

type memTx struct {
	m     *memRefresh
	first atomic.Bool
}

func (tx *memTx) Run(ctx context.Context, fn func(context.Context) error) error {
	tx.m.mu.Lock()
	defer tx.m.mu.Unlock()
	if tx.first.CompareAndSwap(false, true) {
		<-tx.m.slow // hold the first commit until every rotation has queued
	}
	rotated, stored := maps.Clone(tx.m.rotated), maps.Clone(tx.m.stored)
	if err := fn(ctx); err != nil {
		tx.m.rotated, tx.m.stored = rotated, stored
		return err
	}
	return nil
}

type memAudit struct {
	ports.AuditLog
	mu sync.Mutex
	n  int
}

func (a *memAudit) Record(context.Context, *domain.AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	return nil
}

type seqIDs struct{ n atomic.Int64 }

func (s *seqIDs) NewID() string { return fmt.Sprint("id-", s.n.Add(1)) }

type nowClock struct{}

func (nowClock) Now() time.Time { return time.Unix(1_800_000_000, 0) }

// TestRotationsGroupCommit: concurrent rotations share transactions, each token is won once,
// and a rotation whose write fails fails alone.
func TestRotationsGroupCommit(t *testing.T) {
	m := &memRefresh{rotated: map[string]bool{}, stored: map[string]bool{}, slow: make(chan struct{})}
	tx := &memTx{m: m}
	log := &memAudit{}
	ids := &seqIDs{}
	s := &Service{Refresh: m, Tx: tx, Clock: nowClock{}, IDs: ids, Audit: audit.Recorder{Log: log, Clock: nowClock{}, IDs: ids}}
	app := &domain.Application{ID: "app", PoolID: "p", RefreshTokenTTL: 60}

	const tokens = 20
	rots := make([]*rotation, 0, 2*tokens)
	for i := range 2 * tokens {
		user := "u"
		if i%tokens == 7 {
			user = "bad"
		}
		rots = append(rots, &rotation{token: &domain.RefreshToken{ID: fmt.Sprint("t", i%tokens)},
			issue: IssueRequest{App: app, User: &domain.User{ID: user}}, resp: &TokenResponse{Scope: "openid"},
			event: domain.AuditEvent{PoolID: "p", Type: domain.AuditRefresh, Result: domain.AuditFailure}, now: nowClock{}.Now()})
	}
	var wg sync.WaitGroup
	for _, rot := range rots {
		wg.Add(1)
		go func() { defer wg.Done(); s.rotate(context.Background(), rot) }()
	}
	// Let the first transaction finish once every other rotation is queued behind it.
	for {
		if s.rotationBatcher().Queued() == len(rots)-1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(m.slow)
	wg.Wait()

	wins := map[string]int{}
	for _, rot := range rots {
		id := rot.token.ID
		switch {
		case id == "t7":
			if rot.err == nil && !rot.lost {
				t.Fatalf("the failing rotation succeeded: %+v", rot)
			}
		case rot.err != nil:
			t.Fatalf("%s failed with its neighbour: %v", id, rot.err)
		case !rot.lost:
			if rot.resp.RefreshToken == "" {
				t.Fatalf("%s won without a new token", id)
			}
			wins[id]++
		}
	}
	for i := range tokens {
		if id := fmt.Sprint("t", i); id != "t7" && wins[id] != 1 {
			t.Fatalf("%s won %d times", id, wins[id])
		}
	}
	if len(m.stored) != tokens-1 || log.n != tokens-1 || m.rotated["t7"] {
		t.Fatalf("stored %d, audited %d, t7 rotated %v", len(m.stored), log.n, m.rotated["t7"])
	}
}

// lostAnswerTx commits every transaction but reports the first commit's answer as lost.
type lostAnswerTx struct{ answered atomic.Bool }

func (tx *lostAnswerTx) Run(ctx context.Context, fn func(context.Context) error) error {
	if err := fn(ctx); err != nil {
		return err
	}
	if tx.answered.CompareAndSwap(false, true) {
		return fmt.Errorf("commit: %w: connection reset", domain.ErrOutcomeUnknown)
	}
	return nil
}

// A batch whose commit may have happened is not retried rotation by rotation: had it committed,
// each retry would find its token rotated and answer a lost race for a refresh that succeeded.
func TestRotationsAfterAnUnknownCommitAreNotRetried(t *testing.T) {
	m := &memRefresh{rotated: map[string]bool{}, stored: map[string]bool{}}
	ids := &seqIDs{}
	s := &Service{Refresh: m, Tx: &lostAnswerTx{}, Clock: nowClock{}, IDs: ids,
		Audit: audit.Recorder{Log: &memAudit{}, Clock: nowClock{}, IDs: ids}}
	app := &domain.Application{ID: "app", PoolID: "p", RefreshTokenTTL: 60}
	var batch []*rotation
	for i := range 2 {
		batch = append(batch, &rotation{token: &domain.RefreshToken{ID: fmt.Sprint("t", i)},
			issue: IssueRequest{App: app, User: &domain.User{ID: "u"}}, resp: &TokenResponse{Scope: "openid"},
			event: domain.AuditEvent{PoolID: "p", Type: domain.AuditRefresh}, now: nowClock{}.Now()})
	}
	s.commitRotations(context.Background(), batch)
	for _, rot := range batch {
		if !errors.Is(rot.err, domain.ErrOutcomeUnknown) || rot.lost {
			t.Fatalf("rotation of %s after a commit with a lost answer: err %v, lost %v; want the unknown outcome, not a lost race",
				rot.token.ID, rot.err, rot.lost)
		}
	}
}
