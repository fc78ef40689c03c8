package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/adapters/system"
	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/pool"
	"github.com/gatehouse-iam/gatehouse/ports"
)

func auditEvent(id, poolID string, at time.Time) *domain.AuditEvent {
	return &domain.AuditEvent{ID: id, PoolID: poolID, Time: at, Type: domain.AuditLogin, Result: domain.AuditSuccess}
}

func ids(l domain.List[domain.AuditEvent]) []string {
	out := make([]string, len(l.Items))
	for i, e := range l.Items {
		out[i] = e.ID
	}
	return out
}

func TestAuditLogStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewStores(db)
		for _, p := range []*domain.Pool{newPool("p1", "One"), newPool("p2", "Two")} {
			if err := s.Pools.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		full := &domain.AuditEvent{ID: "e-full", PoolID: "p1", Time: base.Add(123456 * time.Microsecond),
			Type: domain.AuditAdminChange, Action: "pool.update", Result: domain.AuditSuccess, Actor: "admin",
			ObjectType: "pool", ObjectID: "p1", Details: "Edited user pool One", AuthSourceID: "src-1",
			ApplicationID: "app-1", UserID: "u-1", IP: "2001:db8::1", UserAgent: "curl/8.5",
			Before: map[string]any{"name": "Old", "tags": []any{"a"}}, After: map[string]any{"name": "One", "n": 2.0}}
		if err := s.Audit.Record(ctx, full); err != nil {
			t.Fatal(err)
		}
		got, err := s.Audit.List(ctx, "p1", ports.AuditQuery{Page: domain.Page{Number: 1, Size: 10}})
		if err != nil || got.Total != 1 || len(got.Items) != 1 {
			t.Fatalf("list: %+v %v", got, err)
		}
		e := got.Items[0]
		if !e.Time.Equal(full.Time) || e.Type != full.Type || e.Action != full.Action || e.Actor != "admin" ||
			e.ObjectType != "pool" || e.ObjectID != "p1" || e.Details != full.Details || e.AuthSourceID != "src-1" ||
			e.ApplicationID != "app-1" || e.UserID != "u-1" || e.IP != "2001:db8::1" || e.UserAgent != "curl/8.5" ||
			e.Before["name"] != "Old" || e.Before["tags"].([]any)[0] != "a" || e.After["n"] != 2.0 {
			t.Fatalf("round trip: %+v", e)
		}
		if err := s.Audit.Record(ctx, auditEvent("e-x", "nope", base)); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("unknown pool: %v", err)
		}

		// Pagination: newest first, ties on the time broken by id, descending.
		for _, id := range []string{"t-b", "t-a", "t-c"} {
			if err := s.Audit.Record(ctx, auditEvent(id, "p2", base)); err != nil {
				t.Fatal(err)
			}
		}
		for i := 1; i <= 4; i++ {
			if err := s.Audit.Record(ctx, auditEvent(fmt.Sprintf("n-%d", i), "p2", base.Add(time.Duration(i)*time.Second))); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"n-4", "n-3", "n-2", "n-1", "t-c", "t-b", "t-a"}
		var seen []string
		for page := 1; page <= 3; page++ {
			l, err := s.Audit.List(ctx, "p2", ports.AuditQuery{Page: domain.Page{Number: page, Size: 3}})
			if err != nil || l.Total != 7 {
				t.Fatalf("page %d: total %d %v", page, l.Total, err)
			}
			seen = append(seen, ids(l)...)
		}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Fatalf("order %v, want %v", seen, want)
		}
		// Past the end the page is empty and the total still counted.
		if l, _ := s.Audit.List(ctx, "p2", ports.AuditQuery{Page: domain.Page{Number: 4, Size: 3}}); l.Total != 7 || len(l.Items) != 0 {
			t.Fatalf("past the end: total %d, %d items", l.Total, len(l.Items))
		}
		// A short first page needs no count, and still respects MaxCount.
		if l, _ := s.Audit.List(ctx, "p2", ports.AuditQuery{Page: domain.Page{Number: 1, Size: 10}, MaxCount: 5}); l.Total != 5 || len(l.Items) != 7 {
			t.Fatalf("short page with max count: total %d, %d items", l.Total, len(l.Items))
		}
		if l, _ := s.Audit.List(ctx, "p2", ports.AuditQuery{Page: domain.Page{Number: 1, Size: 2}, MaxCount: 5}); l.Total != 5 || len(l.Items) != 2 {
			t.Fatalf("bounded count: %d, %d items", l.Total, len(l.Items))
		}
		// Pools are isolated.
		if l, _ := s.Audit.List(ctx, "p1", ports.AuditQuery{Page: domain.Page{Number: 1, Size: 100}}); l.Total != 1 || l.Items[0].ID != "e-full" {
			t.Fatalf("p1 sees %v", ids(l))
		}
	})
}

func TestAuditLogFilters(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1")
		base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		events := []domain.AuditEvent{
			{ID: "a", Time: base, Type: domain.AuditLogin, Result: domain.AuditSuccess, ApplicationID: "app-1", AuthSourceID: "src-1", Details: "Signed in with PASSWORD"},
			{ID: "b", Time: base.Add(time.Hour), Type: domain.AuditLogin, Result: domain.AuditFailure, ApplicationID: "app-2", AuthSourceID: "src-1", Details: "wrong password", IP: "203.0.113.5"},
			{ID: "c", Time: base.Add(24 * time.Hour), Type: domain.AuditSignup, Result: domain.AuditSuccess, ApplicationID: "app-1", AuthSourceID: "src-2", UserID: "user-42"},
			{ID: "d", Time: base.Add(48*time.Hour - time.Microsecond), Type: domain.AuditAdminChange, Action: "pool.update", Result: domain.AuditSuccess, ObjectID: "obj_1", Details: "100% done"},
			{ID: "e", Time: base.Add(48 * time.Hour), Type: domain.AuditSendOTP, Result: domain.AuditFailure, ApplicationID: "app-2", AuthSourceID: "src-2"},
		}
		for i := range events {
			events[i].PoolID = "p1"
		}
		if err := s.Audit.RecordBatch(ctx, events); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			q    ports.AuditQuery
			want string
		}{
			{"none", ports.AuditQuery{}, "[e d c b a]"},
			{"from is inclusive", ports.AuditQuery{From: base.Add(time.Hour)}, "[e d c b]"},
			{"to is exclusive", ports.AuditQuery{To: base.Add(48 * time.Hour)}, "[d c b a]"},
			{"one day", ports.AuditQuery{From: base.Add(24 * time.Hour), To: base.Add(48 * time.Hour)}, "[d c]"},
			{"type", ports.AuditQuery{Type: domain.AuditLogin}, "[b a]"},
			{"result", ports.AuditQuery{Result: domain.AuditFailure}, "[e b]"},
			{"application", ports.AuditQuery{ApplicationID: "app-1"}, "[c a]"},
			{"auth source", ports.AuditQuery{AuthSourceID: "src-2"}, "[e c]"},
			{"combined", ports.AuditQuery{Type: domain.AuditLogin, Result: domain.AuditFailure, ApplicationID: "app-2", AuthSourceID: "src-1"}, "[b]"},
			{"combined with time", ports.AuditQuery{Result: domain.AuditFailure, From: base.Add(2 * time.Hour)}, "[e]"},
			{"search details, any case", ports.AuditQuery{Search: "password"}, "[b a]"},
			{"search action", ports.AuditQuery{Search: "POOL.UP"}, "[d]"},
			{"search user id", ports.AuditQuery{Search: "user-42"}, "[c]"},
			{"search ip", ports.AuditQuery{Search: "203.0.113"}, "[b]"},
			{"search percent is literal", ports.AuditQuery{Search: "100%"}, "[d]"},
			{"search underscore is literal", ports.AuditQuery{Search: "obj_"}, "[d]"},
			{"search wildcard only matches literally", ports.AuditQuery{Search: "%"}, "[d]"},
			{"search escape char is literal", ports.AuditQuery{Search: "!"}, "[]"},
			{"search does not span columns", ports.AuditQuery{Search: "donepool"}, "[]"},
			{"search and type", ports.AuditQuery{Search: "password", Result: domain.AuditSuccess}, "[a]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.q.Page = domain.Page{Number: 1, Size: 10}
				l, err := s.Audit.List(ctx, "p1", tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if got := fmt.Sprint(ids(l)); got != tc.want || l.Total != len(l.Items) {
					t.Fatalf("got %s (total %d), want %s", got, l.Total, tc.want)
				}
			})
		}
	})
}

// failingLog is an AuditLog whose writes fail, to show that a failed audit write undoes the
// change it describes.
type failingLog struct{ ports.AuditLog }

func (failingLog) Record(context.Context, *domain.AuditEvent) error {
	return errors.New("audit disk full")
}

func TestAuditRecordJoinsTheTransaction(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewStores(db)
		if err := s.Pools.Create(ctx, newPool("p1", "One")); err != nil {
			t.Fatal(err)
		}
		// The change fails after its event was written: the event is rolled back with it.
		err := db.Run(ctx, func(ctx context.Context) error {
			if err := s.Audit.Record(ctx, auditEvent("e1", "p1", testTime)); err != nil {
				return err
			}
			return errors.New("change failed")
		})
		if err == nil {
			t.Fatal("expected the change to fail")
		}
		if l, _ := s.Audit.List(ctx, "p1", ports.AuditQuery{Page: domain.Page{Number: 1, Size: 10}}); l.Total != 0 {
			t.Fatalf("a failed change left %d audit rows", l.Total)
		}

		// The real pool use cases, wired on this database.
		newService := func(log ports.AuditLog) *pool.Service {
			return &pool.Service{Pools: s.Pools, Images: s.Images, Attributes: s.Attributes, Apps: s.Apps, Locker: s.PoolLocker, Tx: db,
				Clock: system.Clock{}, IDs: system.IDs{}, Audit: audit.Recorder{Log: log, Clock: system.Clock{}, IDs: system.IDs{}}}
		}
		broken := newService(failingLog{s.Audit})
		if _, err := broken.Create(ctx, pool.CreateRequest{Name: "Lost"}); err == nil {
			t.Fatal("create succeeded although its audit write failed")
		}
		if l, _ := s.Pools.List(ctx, domain.Page{Number: 1, Size: 10}); l.Total != 1 {
			t.Fatalf("a pool was created without its audit row: %d pools", l.Total)
		}
		name := "Renamed"
		if _, err := broken.Update(ctx, pool.UpdateRequest{ID: "p1", Name: &name}); err == nil {
			t.Fatal("update succeeded although its audit write failed")
		}
		if err := broken.Delete(ctx, pool.DeleteRequest{ID: "p1", Confirm: "One"}); err == nil {
			t.Fatal("delete succeeded although its audit write failed")
		}
		if p, err := s.Pools.Get(ctx, "p1"); err != nil || p.Name != "One" {
			t.Fatalf("pool changed without its audit row: %+v %v", p, err)
		}

		// A working create writes exactly one event, with the new state and no secrets.
		p, err := newService(s.Audit).Create(domain.WithRequestInfo(ctx, domain.RequestInfo{Actor: "admin", IP: "192.0.2.1"}), pool.CreateRequest{Name: "Shop"})
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.Audit.List(ctx, p.ID, ports.AuditQuery{Page: domain.Page{Number: 1, Size: 10}})
		if err != nil || l.Total != 1 {
			t.Fatalf("create wrote %d events: %v", l.Total, err)
		}
		e := l.Items[0]
		if e.Action != domain.ActionPoolCreate || e.ObjectID != p.ID || e.Before != nil || e.After["name"] != "Shop" ||
			e.Actor != "admin" || e.IP != "192.0.2.1" {
			t.Fatalf("create event: %+v", e)
		}
		// Deleting the pool removes its log with it (foreign key cascade).
		if err := newService(s.Audit).Delete(ctx, pool.DeleteRequest{ID: p.ID, Confirm: "Shop"}); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.NewSelect().TableExpr("audit_logs").ColumnExpr("COUNT(*)").Where("pool_id = ?", p.ID).Scan(ctx, &n); err != nil || n != 0 {
			t.Fatalf("%d audit rows outlived their pool: %v", n, err)
		}
	})
}

// Over-long values are cut by the recorder to lengths every column of both dialects holds.
func TestAuditLogColumnsHoldTheCutLengths(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1")
		r := audit.Recorder{Log: s.Audit, Clock: system.Clock{}, IDs: system.IDs{}}
		long := func(n int) string { return strings.Repeat("é", n) }
		ctx = domain.WithRequestInfo(ctx, domain.RequestInfo{Actor: long(100), IP: strings.Repeat("1", 100), UserAgent: long(1000)})
		err := r.Record(ctx, domain.AuditEvent{PoolID: "p1", Type: domain.AuditLogin, Result: domain.AuditFailure,
			Details: long(5000), ObjectType: long(100), ObjectID: long(100), AuthSourceID: long(100),
			ApplicationID: long(100), UserID: long(100), After: map[string]any{"note": long(10000)}})
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.Audit.List(ctx, "p1", ports.AuditQuery{Page: domain.Page{Number: 1, Size: 1}})
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("%v %v", l, err)
		}
		e := l.Items[0]
		for name, got := range map[string]struct {
			value string
			want  int
		}{
			"details": {e.Details, domain.MaxAuditDetails}, "user_agent": {e.UserAgent, domain.MaxAuditUserAgent},
			"ip": {e.IP, domain.MaxAuditIP}, "actor": {e.Actor, domain.MaxAuditShort}, "object_id": {e.ObjectID, domain.MaxAuditShort},
			"user_id": {e.UserID, domain.MaxAuditID}, "application_id": {e.ApplicationID, domain.MaxAuditID},
		} {
			if n := len([]rune(got.value)); n != got.want {
				t.Errorf("%s: %d characters stored, want %d", name, n, got.want)
			}
		}
		if len([]rune(e.After["note"].(string))) != 10000 {
			t.Error("snapshots are TEXT and kept whole")
		}
	})
}

// auditInserts notes the most rows one INSERT into audit_logs wrote.
type auditInserts struct {
	mu      sync.Mutex
	maxRows int64
}

func (h *auditInserts) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h *auditInserts) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if e.Operation() != "INSERT" || !strings.Contains(e.Query, "audit_logs") || e.Err != nil || e.Result == nil {
		return
	}
	if n, err := e.Result.RowsAffected(); err == nil {
		h.mu.Lock()
		h.maxRows = max(h.maxRows, n)
		h.mu.Unlock()
	}
}

// Records outside a transaction are committed together, yet each returns only once its event is
// stored as given, and an event that cannot be stored fails alone. A Record inside a transaction
// still rolls back with it.
func TestAuditRecordsOutsideATransactionShareInserts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1")
		inserts := &auditInserts{}
		db.AddQueryHook(inserts)

		const n = 50
		event := func(i int) *domain.AuditEvent {
			e := auditEvent(fmt.Sprintf("c-%02d", i), "p1", testTime.Add(time.Duration(i)*time.Second))
			e.ApplicationID = e.ID
			return e
		}
		rollback := errors.New("change failed")
		start := make(chan struct{})
		errs := make([]error, n+1)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				if errs[i] = s.Audit.Record(ctx, event(i)); errs[i] != nil {
					return
				}
				// Read your write: the event is committed when Record returns.
				l, err := s.Audit.List(ctx, "p1", ports.AuditQuery{ApplicationID: event(i).ID, Page: domain.Page{Number: 1, Size: 10}})
				if err != nil || l.Total != 1 {
					t.Errorf("event %d after its Record: %v %v", i, ids(l), err)
				}
			})
		}
		wg.Go(func() {
			<-start
			errs[n] = db.Run(ctx, func(ctx context.Context) error {
				if err := s.Audit.Record(ctx, auditEvent("rolled-back", "p1", testTime)); err != nil {
					return err
				}
				return rollback
			})
		})
		close(start)
		wg.Wait()

		for i, err := range errs[:n] {
			if err != nil {
				t.Errorf("Record %d: %v", i, err)
			}
		}
		if errs[n] != rollback {
			t.Errorf("rolled-back transaction: %v", errs[n])
		}
		l, err := s.Audit.List(ctx, "p1", ports.AuditQuery{Page: domain.Page{Number: 1, Size: 100}})
		if err != nil || l.Total != n {
			t.Fatalf("%d events stored, want %d: %v %v", l.Total, n, ids(l), err)
		}
		for k, e := range l.Items {
			want := event(n - 1 - k)
			if e.ID != want.ID || !e.Time.Equal(want.Time) || e.PoolID != "p1" || e.Type != domain.AuditLogin {
				t.Fatalf("stored %+v, want %+v", e, want)
			}
		}
		if inserts.maxRows < 2 {
			t.Fatalf("%d concurrent Records were written one INSERT each", n)
		}

		// An event of an unknown pool fails its own Record, not those batched with it.
		start = make(chan struct{})
		bad := make([]error, 10)
		for i := range bad {
			wg.Go(func() {
				<-start
				e := event(n + i)
				if i == 3 {
					e.PoolID = "no-such-pool"
				}
				bad[i] = s.Audit.Record(ctx, e)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range bad {
			if i == 3 && !errors.Is(err, domain.ErrNotFound) || i != 3 && err != nil {
				t.Errorf("Record %d of the second round: %v", i, err)
			}
		}
		if l, _ := s.Audit.List(ctx, "p1", ports.AuditQuery{Page: domain.Page{Number: 1, Size: 100}}); l.Total != n+len(bad)-1 {
			t.Fatalf("%d events stored after the second round, want %d", l.Total, n+len(bad)-1)
		}
	})
}
