package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// eachAt is servertest.Each with the server's clock fixed at now.
func eachAt(t *testing.T, now time.Time, fn func(t *testing.T, s *servertest.Server)) {
	for _, d := range storagetest.Dialects {
		t.Run(d, func(t *testing.T) { fn(t, servertest.Start(t, d, servertest.WithClock(servertest.NewClock(now)))) })
	}
}

type auditJSON struct {
	ID            string         `json:"id"`
	Time          time.Time      `json:"time"`
	Type          string         `json:"type"`
	Action        string         `json:"action"`
	Result        string         `json:"result"`
	Actor         string         `json:"actor"`
	ObjectType    string         `json:"object_type"`
	ObjectID      string         `json:"object_id"`
	Details       string         `json:"details"`
	AuthSourceID  string         `json:"auth_source_id"`
	ApplicationID string         `json:"application_id"`
	UserID        string         `json:"user_id"`
	IP            string         `json:"ip"`
	UserAgent     string         `json:"user_agent"`
	Before        map[string]any `json:"before"`
	After         map[string]any `json:"after"`
}

type auditListJSON struct {
	Items       []auditJSON `json:"items"`
	Page        int         `json:"page"`
	PageSize    int         `json:"page_size"`
	Total       int         `json:"total"`
	TotalCapped bool        `json:"total_capped"`
	HasMore     bool        `json:"has_more"`
	From        time.Time   `json:"from"`
	To          *time.Time  `json:"to"`
}

func listAudit(t *testing.T, s *servertest.Server, poolID, query string) auditListJSON {
	t.Helper()
	var l auditListJSON
	s.Do("GET", "/admin/v1/pools/"+poolID+"/audit-logs?"+query, nil).Expect(200).Decode(&l)
	return l
}

func (l auditListJSON) ids() string {
	var ids []string
	for _, e := range l.Items {
		ids = append(ids, e.ID)
	}
	return strings.Join(ids, ",")
}

var auditNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) // a Sunday; 20:00 in Shanghai

func TestAuditLogRecordsPoolChanges(t *testing.T) {
	eachAt(t, auditNow, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		l := listAudit(t, s, p.ID, "")
		if l.Total != 1 || len(l.Items) != 1 {
			t.Fatalf("create wrote %d events", l.Total)
		}
		e := l.Items[0]
		if e.Type != "ADMIN_CHANGE" || e.Action != "pool.create" || e.Result != "success" || e.Actor != "admin" ||
			e.ObjectType != "pool" || e.ObjectID != p.ID || !e.Time.Equal(auditNow) || e.IP != "127.0.0.1" ||
			!strings.HasPrefix(e.UserAgent, "Go-http-client/") || e.Before != nil || e.After["name"] != "Shop" || e.ID == "" {
			t.Fatalf("create event: %+v", e)
		}

		// A client-supplied X-Forwarded-For is not believed: no proxy is trusted by default.
		req, _ := http.NewRequest("PATCH", s.URL+"/admin/v1/pools/"+p.ID, strings.NewReader(`{"name":"Shop 2"}`))
		req.Header.Set("Authorization", "Bearer "+s.Token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", "203.0.113.99")
		req.Header.Set("User-Agent", "console/1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("update: %d", resp.StatusCode)
		}
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/default", nil).Expect(200)
		// A refused change writes nothing.
		s.Do("PATCH", "/admin/v1/pools/"+p.ID, map[string]any{"name": ""}).Expect(400)

		l = listAudit(t, s, p.ID, "type=ADMIN_CHANGE")
		if l.Total != 3 {
			t.Fatalf("%d events after create, update, set default: %s", l.Total, l.ids())
		}
		// Same time everywhere (fixed clock): newest first falls back to id order, and UUIDv7
		// ids grow with every event.
		def, upd := l.Items[0], l.Items[1]
		if def.Action != "pool.set_default" || def.Before["is_default"] != false || def.After["is_default"] != true {
			t.Fatalf("set default event: %+v", def)
		}
		if upd.Action != "pool.update" || upd.Before["name"] != "Shop" || upd.After["name"] != "Shop 2" ||
			upd.IP != "127.0.0.1" || upd.UserAgent != "console/1.0" {
			t.Fatalf("update event: %+v", upd)
		}

		// The log of another pool never shows these rows; deleting the pool removes its log.
		other := createPool(t, s, "Other")
		if l := listAudit(t, s, other.ID, ""); l.Total != 1 || l.Items[0].ObjectID != other.ID {
			t.Fatalf("other pool sees %s", l.ids())
		}
		s.Do("DELETE", "/admin/v1/pools/"+p.ID+"?confirm=Shop%202", nil).Expect(204)
		s.Do("GET", "/admin/v1/pools/"+p.ID+"/audit-logs", nil).ExpectError(404, "not_found")
	})
}

func TestAuditLogFiltersAndPages(t *testing.T) {
	eachAt(t, auditNow, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		other := createPool(t, s, "Other")
		ctx := context.Background()
		at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
		events := []domain.AuditEvent{
			{ID: "e01", Time: at("2026-11-22T11:00:00Z"), Type: domain.AuditLogin, Result: domain.AuditSuccess, ApplicationID: "app-web", AuthSourceID: "src-pw", Details: "Signed in", UserID: "u1", Actor: "u1"},
			{ID: "e02", Time: at("2026-11-22T01:00:00Z"), Type: domain.AuditLogin, Result: domain.AuditFailure, ApplicationID: "app-ios", AuthSourceID: "src-pw", Details: "Wrong password"},
			{ID: "e03", Time: at("2026-11-21T23:00:00Z"), Type: domain.AuditSignup, Result: domain.AuditSuccess, ApplicationID: "app-web", AuthSourceID: "src-sms", Details: "Signed up"},
			{ID: "e04", Time: at("2026-11-21T08:00:00Z"), Type: domain.AuditSendOTP, Result: domain.AuditFailure, ApplicationID: "app-web", AuthSourceID: "src-sms", Details: "SMS quota exceeded"},
			{ID: "e05", Time: at("2026-11-18T08:00:00Z"), Type: domain.AuditRefresh, Result: domain.AuditSuccess, ApplicationID: "app-ios"},
			{ID: "e06", Time: at("2026-11-01T08:00:00Z"), Type: domain.AuditLogout, Result: domain.AuditSuccess, ApplicationID: "app-ios"},
			{ID: "e07", Time: at("2026-09-01T08:00:00Z"), Type: domain.AuditResetPassword, Result: domain.AuditSuccess,
				After: map[string]any{"password": "hunter2", "user_name": "alice"}},
		}
		for i := range events {
			events[i].PoolID = p.ID
			if err := s.App.Stores.Audit.Record(ctx, &events[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.App.Stores.Audit.Record(ctx, &domain.AuditEvent{ID: "x01", PoolID: other.ID, Time: at("2026-11-22T11:30:00Z"),
			Type: domain.AuditLogin, Result: domain.AuditSuccess, ApplicationID: "app-web"}); err != nil {
			t.Fatal(err)
		}
		// The pool's own creation event (at auditNow) is in every range that includes now.
		created := listAudit(t, s, p.ID, "type=ADMIN_CHANGE").Items[0].ID

		for _, tc := range []struct{ query, want string }{
			{"", created + ",e01,e02,e03,e04,e05"},
			{"range=last_7_days", created + ",e01,e02,e03,e04,e05"},
			{"range=today", created + ",e01,e02"},
			{"range=yesterday", "e03,e04"},
			{"range=today&tz=Asia/Shanghai", created + ",e01,e02,e03"}, // Shanghai's today began 2026-11-21T16:00Z
			{"range=yesterday&tz=Asia/Shanghai", "e04"},
			{"range=last_30_days", created + ",e01,e02,e03,e04,e05,e06"},
			{"range=custom&from=2026-08-01T00:00:00Z&to=2026-11-18T08:00:00Z", "e06,e07"},            // to is exclusive
			{"range=custom&from=2026-11-21T08:00:00Z&to=2026-11-22T09:00:01%2B08:00", "e02,e03,e04"}, // +08:00 offsets count
			{"range=custom&from=2026-11-21T08:00:00Z&to=2026-11-22T09:00:00%2B08:00", "e03,e04"},
			{"type=LOGIN", "e01,e02"},
			{"result=failure", "e02,e04"},
			{"application_id=app-ios&range=last_30_days", "e02,e05,e06"},
			{"auth_source_id=src-sms", "e03,e04"},
			{"type=LOGIN&result=success&application_id=app-web&auth_source_id=src-pw", "e01"},
			{"search=password", "e02"},
			{"search=SIGNED", "e01,e03"},
			{"search=u1", "e01"},
			{"search=nothing-like-this", ""},
		} {
			t.Run(tc.query, func(t *testing.T) {
				l := listAudit(t, s, p.ID, tc.query)
				if got := l.ids(); got != tc.want {
					t.Fatalf("got %s, want %s", got, tc.want)
				}
				if l.Total != len(l.Items) || l.TotalCapped || l.HasMore {
					t.Fatalf("total %d capped %v more %v for %d items", l.Total, l.TotalCapped, l.HasMore, len(l.Items))
				}
			})
		}

		// Range bounds are echoed: rolling windows are open at the top.
		l := listAudit(t, s, p.ID, "range=last_30_days")
		if !l.From.Equal(auditNow.AddDate(0, 0, -30)) || l.To != nil {
			t.Fatalf("range echoed as %s..%v", l.From, l.To)
		}
		l = listAudit(t, s, p.ID, "range=yesterday")
		if !l.From.Equal(at("2026-11-21T00:00:00Z")) || l.To == nil || !l.To.Equal(at("2026-11-22T00:00:00Z")) {
			t.Fatalf("yesterday echoed as %s..%v", l.From, l.To)
		}

		// Pages: newest first, with the total and has_more.
		var seen []string
		for page := 1; page <= 3; page++ {
			l := listAudit(t, s, p.ID, fmt.Sprintf("range=last_30_days&page=%d&page_size=3", page))
			if l.Total != 7 || l.Page != page || l.PageSize != 3 || l.HasMore != (page < 3) {
				t.Fatalf("page %d: total %d more %v", page, l.Total, l.HasMore)
			}
			seen = append(seen, l.ids())
		}
		if got := strings.Join(seen, ","); got != created+",e01,e02,e03,e04,e05,e06" {
			t.Fatalf("pages: %s", got)
		}

		// Secrets in a snapshot are redacted, whoever wrote it.
		l = listAudit(t, s, p.ID, "type=RESET_PASSWORD&range=custom&from=2026-08-01T00:00:00Z&to=2026-10-01T00:00:00Z")
		if len(l.Items) != 1 || l.Items[0].After["password"] != domain.Redacted || l.Items[0].After["user_name"] != "alice" {
			t.Fatalf("reset password event: %+v", l.Items)
		}
		raw := s.Do("GET", "/admin/v1/pools/"+p.ID+"/audit-logs?range=custom&from=2026-08-01T00:00:00Z&to=2026-12-01T00:00:00Z", nil).Expect(200)
		if strings.Contains(string(raw.Body), "hunter2") {
			t.Fatal("a secret reached the API")
		}
		var m map[string]any
		_ = json.Unmarshal(raw.Body, &m)
		if _, ok := m["items"].([]any)[0].(map[string]any)["before"]; !ok {
			t.Fatal("before is always present (null when absent)")
		}
	})
}

func TestAuditLogRefusesBadRequests(t *testing.T) {
	eachAt(t, auditNow, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		path := "/admin/v1/pools/" + p.ID + "/audit-logs?"
		for _, tc := range []struct {
			query  string
			fields []string
		}{
			{"range=last_week", []string{"range"}},
			{"type=login", []string{"type"}},
			{"type=HACK", []string{"type"}},
			{"result=ok", []string{"result"}},
			{"tz=Mars/Olympus", []string{"tz"}},
			{"range=custom", []string{"from", "to"}},
			{"range=custom&from=2026-01-01&to=2026-02-01", []string{"from", "to"}},
			{"range=custom&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", []string{"to"}},
			{"range=custom&from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z", []string{"to"}},
			{"from=2026-01-01T00:00:00Z", []string{"range"}},
			{"search=" + strings.Repeat("a", 129), []string{"search"}},
			{"application_id=" + strings.Repeat("a", 37), []string{"application_id"}},
			{"auth_source_id=a%20b", []string{"auth_source_id"}},
			{"page=0", []string{"page"}},
			{"page_size=101", []string{"page_size"}},
			{"page=x", []string{"page"}},
			{"page=101&page_size=100", []string{"page"}},
			{"typ=LOGIN", []string{"typ"}},
			{"type=LOGIN&type=SIGNUP", []string{"type"}},
		} {
			t.Run(tc.query, func(t *testing.T) {
				s.Do("GET", path+tc.query, nil).ExpectError(400, "invalid_request", tc.fields...)
			})
		}
		s.DoWith("GET", path, "", nil).ExpectError(401, "invalid_token")
		s.DoWith("GET", path, "Bearer wrong", nil).ExpectError(401, "invalid_token")
		s.Do("GET", "/admin/v1/pools/00000000-0000-0000-0000-000000000000/audit-logs", nil).ExpectError(404, "not_found")
		s.Do("GET", "/admin/v1/pools/"+url.PathEscape("x'; DROP TABLE audit_logs;--")+"/audit-logs", nil).ExpectError(404, "not_found")
		if l := listAudit(t, s, p.ID, "search="+url.QueryEscape("%' OR '1'='1")); l.Total != 0 {
			t.Fatalf("injection-shaped search matched %d", l.Total)
		}
	})
}

func TestAuditLogBelievesOnlyTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies []string
		wantIP  string
	}{
		{"no proxy trusted by default", nil, "127.0.0.1"},
		{"loopback proxy trusted", []string{"127.0.0.0/8"}, "203.0.113.99"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := servertest.Start(t, "sqlite", func(c *server.Config, _ *server.Overrides) { c.TrustedProxies = tc.proxies })
			req, _ := http.NewRequest("POST", s.URL+"/admin/v1/pools", strings.NewReader(`{"name":"Shop"}`))
			req.Header.Set("Authorization", "Bearer "+s.Token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", "203.0.113.99")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var p poolJSON
			_ = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if l := listAudit(t, s, p.ID, ""); len(l.Items) != 1 || l.Items[0].IP != tc.wantIP {
				t.Fatalf("recorded %+v, want ip %s", l.Items, tc.wantIP)
			}
		})
	}
}

// last_7_days is 7 × 24 h before the request whatever tz says, also across a daylight-saving
// change (New York's ended on 2026-11-01).
func TestAuditLast7DaysIgnoresDaylightSaving(t *testing.T) {
	now := time.Date(2026, 11, 5, 17, 0, 0, 0, time.UTC)
	eachAt(t, now, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		l := listAudit(t, s, p.ID, "range=last_7_days&tz=America/New_York")
		if want := now.Add(-7 * 24 * time.Hour); !l.From.Equal(want) {
			t.Errorf("from = %s, want %s", l.From, want)
		}
	})
}

// A search typed as the text was stored finds it, non-ASCII capitals included (SQLite's LIKE
// ignores the case of ASCII letters only).
func TestAuditSearchNonASCII(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "École")
		if l := listAudit(t, s, p.ID, "search="+url.QueryEscape("École")); len(l.Items) != 1 {
			t.Errorf("search=École found %d rows, want the pool's creation", len(l.Items))
		}
	})
}

// A PATCH naming no field changes nothing: no audit row, and updated_at stays.
func TestEmptyPatchWritesNoAuditRow(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		base := "/admin/v1/pools/" + p.ID
		app := s.Do("POST", base+"/applications", map[string]any{"type": "spa", "name": "SPA"}).Expect(201).Map()
		src := s.Do("POST", base+"/auth-sources", map[string]any{"type": "sms_otp", "name": "SMS", "enabled": false}).Expect(201).Map()
		before := listAudit(t, s, p.ID, "type=ADMIN_CHANGE&page_size=100").Total
		patchedApp := s.Do("PATCH", base+"/applications/"+app["id"].(string), map[string]any{}).Expect(200).Map()
		patchedSrc := s.Do("PATCH", base+"/auth-sources/"+src["id"].(string), map[string]any{}).Expect(200).Map()
		if after := listAudit(t, s, p.ID, "type=ADMIN_CHANGE&page_size=100").Total; after != before {
			t.Errorf("empty PATCHes wrote %d audit rows, want none", after-before)
		}
		if patchedApp["updated_at"] != app["updated_at"] || patchedSrc["updated_at"] != src["updated_at"] {
			t.Errorf("empty PATCHes moved updated_at: %v -> %v, %v -> %v", app["updated_at"], patchedApp["updated_at"],
				src["updated_at"], patchedSrc["updated_at"])
		}
	})
}
