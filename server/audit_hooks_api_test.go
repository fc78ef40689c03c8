package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// adminChanges lists a pool's ADMIN_CHANGE rows (up to 100), newest first, with the raw body.
func adminChanges(t *testing.T, s *servertest.Server, poolID string) ([]auditJSON, string) {
	t.Helper()
	resp := s.Do("GET", "/admin/v1/pools/"+poolID+"/audit-logs?type=ADMIN_CHANGE&page_size=100", nil).Expect(200)
	var l auditListJSON
	resp.Decode(&l)
	return l.Items, string(resp.Body)
}

// TestEveryAdminChangeIsAudited makes every kind of administrative change over HTTP and finds
// one row per change, naming the right action and object, with no secret anywhere in the log.
func TestEveryAdminChangeIsAudited(t *testing.T) {
	const (
		userPassword  = "Initial-Pa55word!"
		resetPassword = "Reset-Pa55word!#"
	)
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		base := "/admin/v1/pools/" + p.ID
		type change struct{ action, objectType, objectID string }
		var want []change
		did := func(action, objectType, objectID string) {
			want = append(want, change{action, objectType, objectID})
		}

		// Attributes.
		attr := s.Do("POST", base+"/attributes", map[string]any{"name": "level", "label": "Level", "field_type": "string"}).Expect(201).Map()
		did("attribute.create", "attribute", attr["id"].(string))
		s.Do("PATCH", base+"/attributes/level", map[string]any{"label": "Tier", "enabled": false}).Expect(200)
		did("attribute.update", "attribute", attr["id"].(string))
		s.Do("DELETE", base+"/attributes/level", nil).Expect(204)
		did("attribute.delete", "attribute", attr["id"].(string))

		// Users.
		u := s.Do("POST", base+"/users", map[string]any{"user_name": "alice", "email": "alice@example.com", "password": userPassword}).Expect(201).Map()
		uid := u["id"].(string)
		did("user.create", "user", uid)
		s.Do("PATCH", base+"/users/"+uid, map[string]any{"email": "alice@example.org"}).Expect(200)
		did("user.update", "user", uid)
		for _, verb := range []string{"lock", "unlock", "freeze", "unfreeze"} {
			s.Do("POST", base+"/users/"+uid+"/"+verb, nil).Expect(200)
			did("user."+verb, "user", uid)
		}
		s.Do("POST", base+"/users/"+uid+"/reset-password", map[string]any{"password": resetPassword}).Expect(200)
		did("user.reset_password", "user", uid)
		bob := s.Do("POST", base+"/users", map[string]any{"user_name": "bob", "email": "bob@example.com", "password": userPassword}).Expect(201).Map()["id"].(string)
		did("user.create", "user", bob)

		// Groups.
		g := s.Do("POST", base+"/groups", map[string]any{"name": "VIP"}).Expect(201).Map()["id"].(string)
		did("group.create", "group", g)
		s.Do("PATCH", base+"/groups/"+g, map[string]any{"description": "best"}).Expect(200)
		did("group.update", "group", g)
		s.Do("POST", base+"/groups/"+g+"/members", map[string]any{"user_ids": []string{uid, bob}}).Expect(204)
		did("group.members_add", "group", g)
		s.Do("DELETE", base+"/groups/"+g+"/members", map[string]any{"user_ids": []string{bob}}).Expect(204)
		did("group.members_remove", "group", g)
		s.Do("DELETE", base+"/groups/"+g, nil).Expect(204)
		did("group.delete", "group", g)
		s.Do("POST", base+"/users/batch-delete", map[string]any{"user_ids": []string{uid, bob}}).Expect(204)
		did("user.delete", "user", uid)
		did("user.delete", "user", bob)

		// Applications.
		app := s.Do("POST", base+"/applications", map[string]any{"type": "web", "name": "Web shop"}).Expect(201).Map()
		aid, secret := app["id"].(string), app["client_secret"].(string)
		did("application.create", "application", aid)
		s.Do("PATCH", base+"/applications/"+aid, map[string]any{"name": "Web shop 2"}).Expect(200)
		did("application.update", "application", aid)
		rotated := s.Do("POST", base+"/applications/"+aid+"/secret", nil).Expect(200).Map()["client_secret"].(string)
		did("application.rotate_secret", "application", aid)
		s.Do("POST", base+"/applications/"+aid+"/disable", nil).Expect(200)
		did("application.disable", "application", aid)
		s.Do("POST", base+"/applications/"+aid+"/disable", nil).Expect(200) // no change, no row
		s.Do("POST", base+"/applications/"+aid+"/enable", nil).Expect(200)
		did("application.enable", "application", aid)
		s.Do("DELETE", base+"/applications/"+aid, nil).Expect(204)
		did("application.delete", "application", aid)

		// Authentication sources.
		src := s.Do("POST", base+"/auth-sources", map[string]any{"type": "sms_otp", "name": "SMS"}).Expect(201).Map()["id"].(string)
		did("auth_source.create", "auth_source", src)
		s.Do("POST", base+"/auth-sources/"+src+"/disable", nil).Expect(200)
		did("auth_source.disable", "auth_source", src)
		s.Do("PATCH", base+"/auth-sources/"+src, map[string]any{"policy": map[string]any{"code_length": 4}}).Expect(200)
		did("auth_source.update", "auth_source", src)
		s.Do("POST", base+"/auth-sources/"+src+"/enable", nil).Expect(200)
		did("auth_source.enable", "auth_source", src)
		s.Do("DELETE", base+"/auth-sources/"+src, nil).Expect(204)
		did("auth_source.delete", "auth_source", src)

		// Connectors and message settings.
		var c connectorJSON
		s.Do("POST", base+"/connectors", smsConnectorBody(t.TempDir()+"/outbox.jsonl")).Expect(201).Decode(&c)
		did("connector.create", "connector", c.ID)
		s.Do("PATCH", base+"/connectors/"+c.ID, map[string]any{"name": "Mock SMS 2"}).Expect(200)
		did("connector.update", "connector", c.ID)
		s.Do("PUT", base+"/message-settings", map[string]any{"sms_connector_id": c.ID}).Expect(200)
		did("message_settings.update", "message_settings", p.ID)
		s.Do("PUT", base+"/message-settings", map[string]any{}).Expect(200)
		did("message_settings.update", "message_settings", p.ID)
		s.Do("DELETE", base+"/connectors/"+c.ID, nil).Expect(204)
		did("connector.delete", "connector", c.ID)

		// A refused change records nothing.
		s.Do("PATCH", base+"/groups/nope", map[string]any{"name": "x"}).Expect(404)

		rows, body := adminChanges(t, s, p.ID)
		rows = rows[:len(rows)-1] // the pool's own creation
		slices.Reverse(rows)
		if len(rows) != len(want) {
			var got []string
			for _, r := range rows {
				got = append(got, r.Action)
			}
			t.Fatalf("%d rows, want %d: %v", len(rows), len(want), got)
		}
		for i, w := range want {
			r := rows[i]
			if r.Action != w.action || r.ObjectType != w.objectType || r.ObjectID != w.objectID || r.Actor != "admin" || r.Result != "success" {
				t.Errorf("row %d: %s %s %s by %s, want %+v", i, r.Action, r.ObjectType, r.ObjectID, r.Actor, w)
			}
		}
		for _, secret := range []string{userPassword, resetPassword, secret, rotated, secretValue, "argon2", "password_hash", "secret_hash"} {
			if strings.Contains(body, secret) {
				t.Errorf("the audit log holds %q", secret)
			}
		}

		// Spot checks of before/after.
		find := func(action string) auditJSON {
			for _, r := range rows {
				if r.Action == action {
					return r
				}
			}
			t.Fatalf("no %s row", action)
			return auditJSON{}
		}
		if r := find("user.update"); r.Before["email"] != "alice@example.com" || r.After["email"] != "alice@example.org" {
			t.Errorf("user.update before %v after %v", r.Before, r.After)
		}
		if r := find("user.lock"); r.Before["status"] != "disabled" || r.After["status"] != "locked" {
			t.Errorf("user.lock before %v after %v", r.Before, r.After)
		}
		if r := find("group.members_add"); fmt.Sprint(r.After["user_ids"]) != fmt.Sprint([]string{uid, bob}) {
			t.Errorf("members_add after %v", r.After)
		}
		if r := find("application.rotate_secret"); r.After["has_client_secret"] != true || r.After["client_id"] != app["client_id"] {
			t.Errorf("rotate_secret after %v", r.After)
		}
		if r := find("auth_source.update"); fmt.Sprint(r.Before["policy"]) == fmt.Sprint(r.After["policy"]) ||
			r.After["policy"].(map[string]any)["code_length"] != float64(4) {
			t.Errorf("auth_source.update before %v after %v", r.Before, r.After)
		}
		if r := find("connector.create"); fmt.Sprint(r.After["secrets"]) != "[map[field:api_key set:true]]" || r.After["config"] == nil {
			t.Errorf("connector.create after %v", r.After)
		}
		if r := find("message_settings.update"); r.Before["sms_connector_id"] != "" || r.After["sms_connector_id"] != c.ID {
			t.Errorf("message_settings.update before %v after %v", r.Before, r.After)
		}
	})
}

// failingLog fails every Record while fail is set; otherwise it is the real store.
type failingLog struct {
	ports.AuditLog
	fail *atomic.Bool
}

func (l failingLog) Record(ctx context.Context, e *domain.AuditEvent) error {
	if l.fail.Load() {
		return errors.New("audit store is full")
	}
	return l.AuditLog.Record(ctx, e)
}

// TestFailedAuditWriteRollsTheChangeBack proves on both databases that a change and its audit
// row commit together: when the row cannot be written the change is not stored either.
func TestFailedAuditWriteRollsTheChangeBack(t *testing.T) {
	for _, d := range storagetest.Dialects {
		t.Run(d, func(t *testing.T) {
			var fail atomic.Bool
			s := servertest.Start(t, d, func(_ *server.Config, ov *server.Overrides) {
				ov.AuditLog = func(l ports.AuditLog) ports.AuditLog { return failingLog{l, &fail} }
			})
			p := createPool(t, s, "Shop")
			base := "/admin/v1/pools/" + p.ID
			uid := s.Do("POST", base+"/users", map[string]any{"user_name": "alice", "email": "alice@example.com", "password": "Initial-Pa55word!"}).
				Expect(201).Map()["id"].(string)
			src := s.Do("POST", base+"/auth-sources", map[string]any{"type": "sms_otp", "name": "SMS"}).Expect(201).Map()["id"].(string)
			before := map[string][]byte{}
			for _, path := range []string{"/users/" + uid, "/auth-sources/" + src, "/groups", "/applications", "/message-settings", "/attributes", "/connectors"} {
				before[path] = s.Do("GET", base+path, nil).Expect(200).Body
			}

			fail.Store(true)
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{"PATCH", "/users/" + uid, map[string]any{"email": "alice@example.org"}},
				{"POST", "/users/" + uid + "/lock", nil},
				{"POST", "/users/" + uid + "/reset-password", map[string]any{"password": "Other-Pa55word!"}},
				{"POST", "/users/batch-delete", map[string]any{"user_ids": []string{uid}}},
				{"POST", "/auth-sources/" + src + "/disable", nil},
				{"DELETE", "/auth-sources/" + src, nil},
				{"POST", "/groups", map[string]any{"name": "VIP"}},
				{"POST", "/applications", map[string]any{"type": "web", "name": "Web"}},
				{"PUT", "/message-settings", map[string]any{"sms_templates": []map[string]any{{"usage": "login", "id": "T1", "params": []string{"code"}}}}},
				{"POST", "/attributes", map[string]any{"name": "level", "label": "Level", "field_type": "string"}},
				{"POST", "/connectors", smsConnectorBody(t.TempDir() + "/outbox.jsonl")},
			} {
				if r := s.Do(c.method, base+c.path, c.body); r.Status != http.StatusInternalServerError {
					t.Errorf("%s %s with a failing audit log: %d %s", c.method, c.path, r.Status, r.Body)
				}
			}
			fail.Store(false)
			for path, b := range before {
				if now := s.Do("GET", base+path, nil).Expect(200).Body; string(now) != string(b) {
					t.Errorf("%s changed although its audit write failed:\nbefore %s\nafter  %s", path, b, now)
				}
			}
		})
	}
}
