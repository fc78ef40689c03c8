package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

type groupJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type memberJSON struct {
	ID          string  `json:"id"`
	UserName    *string `json:"user_name"`
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phone_number"`
	Status      string  `json:"status"`
}

type listJSON[T any] struct {
	Items    []T `json:"items"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
	Total    int `json:"total"`
}

func createGroup(t *testing.T, s *servertest.Server, poolID, name string) groupJSON {
	t.Helper()
	var g groupJSON
	s.Do(http.MethodPost, groupsPath(poolID), map[string]any{"name": name}).Expect(http.StatusCreated).Decode(&g)
	return g
}

// seedUser writes a user row directly: the users API is built on another branch. Ids are
// UUID-shaped and sort in seeding order, like the server's UUIDv7 ids.
func seedUser(t *testing.T, s *servertest.Server, poolID, id, name, email, phone string) {
	t.Helper()
	opt := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	now := time.Now().UTC()
	_, err := s.DB.NewRaw(`INSERT INTO users (id, pool_id, user_name, email, phone_number, status, source, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'enabled', 'admin', ?, ?)`, id, poolID, opt(name), opt(email), opt(phone), now, now).Exec(context.Background())
	if err != nil {
		t.Fatalf("seed user: %v", err)
	}
}

func userID(n int) string { return fmt.Sprintf("00000000-0000-7000-8000-%012d", n) }

func groupsPath(poolID string, rest ...string) string {
	return "/admin/v1/pools/" + poolID + "/groups" + strings.Join(rest, "")
}

// snapshot is everything the group API shows of a pool, to prove a refused request changed
// nothing.
func snapshot(t *testing.T, s *servertest.Server, poolID string) string {
	t.Helper()
	var groups listJSON[groupJSON]
	s.Do(http.MethodGet, groupsPath(poolID)+"?page_size=100", nil).Expect(http.StatusOK).Decode(&groups)
	var b strings.Builder
	for _, g := range groups.Items {
		fmt.Fprintf(&b, "%s %q %q %d %s %s:", g.ID, g.Name, g.Description, g.MemberCount, g.CreatedAt, g.UpdatedAt)
		var members listJSON[memberJSON]
		s.Do(http.MethodGet, groupsPath(poolID, "/", g.ID, "/members?page_size=100"), nil).Expect(http.StatusOK).Decode(&members)
		for _, m := range members.Items {
			b.WriteString(" " + m.ID)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestGroupsAPI(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		pool := createPool(t, s, "Shop")

		var g groupJSON
		s.Do(http.MethodPost, groupsPath(pool), map[string]any{"name": "  VIP  ", "description": " Paying customers "}).
			Expect(http.StatusCreated).Decode(&g)
		if g.ID == "" || g.Name != "VIP" || g.Description != "Paying customers" || g.MemberCount != 0 ||
			g.CreatedAt.IsZero() || !g.UpdatedAt.Equal(g.CreatedAt) {
			t.Fatalf("created group: %+v", g)
		}
		var read groupJSON
		s.Do(http.MethodGet, groupsPath(pool, "/", g.ID), nil).Expect(http.StatusOK).Decode(&read)
		if read != g {
			t.Fatalf("read back %+v, created %+v", read, g)
		}
		raw := s.Do(http.MethodGet, groupsPath(pool, "/", g.ID), nil).Expect(http.StatusOK).Map()
		for _, k := range []string{"id", "name", "description", "member_count", "created_at", "updated_at"} {
			if _, ok := raw[k]; !ok {
				t.Fatalf("group body lacks %q: %v", k, raw)
			}
		}
		other := createGroup(t, s, pool, "Staff")

		seedUser(t, s, pool, userID(1), "alice", "alice@example.com", "+8613812345678")
		seedUser(t, s, pool, userID(2), "", "", "+14155552671")
		seedUser(t, s, pool, userID(3), "carol", "", "")
		s.Do(http.MethodPost, groupsPath(pool, "/", g.ID, "/members"), map[string]any{"user_ids": []string{userID(2), userID(1), userID(3)}}).
			Expect(http.StatusNoContent)
		s.Do(http.MethodPost, groupsPath(pool, "/", g.ID, "/members"), map[string]any{"user_ids": []string{userID(1)}}).
			Expect(http.StatusNoContent) // already a member: idempotent
		s.Do(http.MethodPost, groupsPath(pool, "/", other.ID, "/members"), map[string]any{"user_ids": []string{userID(1)}}).
			Expect(http.StatusNoContent)

		var groups listJSON[groupJSON]
		s.Do(http.MethodGet, groupsPath(pool), nil).Expect(http.StatusOK).Decode(&groups)
		if groups.Total != 2 || groups.Page != 1 || groups.PageSize != 20 || len(groups.Items) != 2 ||
			groups.Items[0].ID != g.ID || groups.Items[0].MemberCount != 3 || groups.Items[1].MemberCount != 1 {
			t.Fatalf("group list: %+v", groups)
		}
		s.Do(http.MethodGet, groupsPath(pool)+"?page=2&page_size=1", nil).Expect(http.StatusOK).Decode(&groups)
		if groups.Total != 2 || len(groups.Items) != 1 || groups.Items[0].ID != other.ID {
			t.Fatalf("group list page 2: %+v", groups)
		}

		var members listJSON[memberJSON]
		s.Do(http.MethodGet, groupsPath(pool, "/", g.ID, "/members?page_size=2"), nil).Expect(http.StatusOK).Decode(&members)
		if members.Total != 3 || len(members.Items) != 2 || members.Items[0].ID != userID(1) || members.Items[1].ID != userID(2) {
			t.Fatalf("members page 1: %+v", members)
		}
		alice, bob := members.Items[0], members.Items[1]
		if alice.UserName == nil || *alice.UserName != "alice" || alice.Email == nil || *alice.Email != "a***@example.com" ||
			alice.PhoneNumber == nil || *alice.PhoneNumber != "+86138****5678" || alice.Status != "enabled" {
			t.Fatalf("alice as a member: %+v", alice)
		}
		if bob.UserName != nil || bob.Email != nil || bob.PhoneNumber == nil || *bob.PhoneNumber != "+1415***2671" {
			t.Fatalf("a member without name or email: %+v", bob)
		}
		// A member shows as the user list shows the same user.
		var listed struct {
			Items []struct {
				ID          string `json:"id"`
				Email       string `json:"email"`
				PhoneNumber string `json:"phone_number"`
			} `json:"items"`
		}
		s.Do(http.MethodGet, "/admin/v1/pools/"+pool+"/users?group_id="+g.ID, nil).Expect(http.StatusOK).Decode(&listed)
		if len(listed.Items) != 3 {
			t.Fatalf("the user list of the group: %+v", listed)
		}
		for _, u := range listed.Items {
			if u.ID == alice.ID && (u.Email != *alice.Email || u.PhoneNumber != *alice.PhoneNumber) ||
				u.ID == bob.ID && u.PhoneNumber != *bob.PhoneNumber {
				t.Fatalf("the user list shows %+v, the member list %+v / %+v", u, alice, bob)
			}
		}
		for _, leak := range []string{"alice@example.com", "12345678", "password"} {
			if body := string(s.Do(http.MethodGet, groupsPath(pool, "/", g.ID, "/members"), nil).Body); strings.Contains(body, leak) {
				t.Fatalf("member list shows %q: %s", leak, body)
			}
		}
		s.Do(http.MethodGet, groupsPath(pool, "/", g.ID, "/members?page=2&page_size=2"), nil).Expect(http.StatusOK).Decode(&members)
		if members.Total != 3 || len(members.Items) != 1 || members.Items[0].ID != userID(3) {
			t.Fatalf("members page 2: %+v", members)
		}

		var edited groupJSON
		s.Do(http.MethodPatch, groupsPath(pool, "/", g.ID), map[string]any{"description": "Gold tier"}).Expect(http.StatusOK).Decode(&edited)
		if edited.Name != "VIP" || edited.Description != "Gold tier" || edited.MemberCount != 3 || edited.UpdatedAt.Before(g.UpdatedAt) {
			t.Fatalf("edit description: %+v", edited)
		}
		s.Do(http.MethodPatch, groupsPath(pool, "/", g.ID), map[string]any{"name": "Gold", "description": ""}).Expect(http.StatusOK).Decode(&edited)
		if edited.Name != "Gold" || edited.Description != "" {
			t.Fatalf("edit both: %+v", edited)
		}
		if s.Do(http.MethodGet, groupsPath(pool, "/", g.ID), nil).Expect(http.StatusOK).Decode(&read); read != edited {
			t.Fatalf("read back %+v, edited %+v", read, edited)
		}
		s.Do(http.MethodPatch, groupsPath(pool, "/", g.ID), map[string]any{}).Expect(http.StatusOK).Decode(&edited)
		if edited.Name != "Gold" {
			t.Fatalf("empty edit: %+v", edited)
		}

		// Removing a non-member or an unknown id is a no-op.
		s.Do(http.MethodDelete, groupsPath(pool, "/", g.ID, "/members"), map[string]any{"user_ids": []string{userID(2), userID(9), "nope"}}).
			Expect(http.StatusNoContent)
		s.Do(http.MethodDelete, groupsPath(pool, "/", g.ID, "/members"), map[string]any{"user_ids": []string{userID(2)}}).
			Expect(http.StatusNoContent)
		s.Do(http.MethodGet, groupsPath(pool, "/", g.ID, "/members"), nil).Expect(http.StatusOK).Decode(&members)
		if members.Total != 2 || members.Items[0].ID != userID(1) || members.Items[1].ID != userID(3) {
			t.Fatalf("after remove: %+v", members)
		}

		s.Do(http.MethodDelete, groupsPath(pool, "/", other.ID), nil).Expect(http.StatusNoContent)
		s.Do(http.MethodGet, groupsPath(pool, "/", other.ID), nil).ExpectError(http.StatusNotFound, "not_found")
		third := createGroup(t, s, pool, "Third")
		s.Do(http.MethodPost, groupsPath(pool, "/batch-delete"), map[string]any{"group_ids": []string{g.ID, third.ID, g.ID}}).
			Expect(http.StatusNoContent)
		s.Do(http.MethodGet, groupsPath(pool), nil).Expect(http.StatusOK).Decode(&groups)
		if groups.Total != 0 || len(groups.Items) != 0 {
			t.Fatalf("after batch delete: %+v", groups)
		}
		var n int
		if err := s.DB.NewRaw("SELECT COUNT(*) FROM user_group_members").Scan(context.Background(), &n); err != nil || n != 0 {
			t.Fatalf("memberships left after deleting every group: %d %v", n, err)
		}
		// A deleted group's name is free again.
		createGroup(t, s, pool, "Gold")
	})
}

func TestGroupsAPIRefusesBadInput(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		pool := createPool(t, s, "Shop")
		otherPool := createPool(t, s, "Other")
		vip := createGroup(t, s, pool, "VIP")
		staff := createGroup(t, s, pool, "Staff")
		foreign := createGroup(t, s, otherPool, "Foreign")
		seedUser(t, s, pool, userID(1), "alice", "alice@example.com", "")
		seedUser(t, s, pool, userID(2), "bob", "", "")
		seedUser(t, s, otherPool, userID(3), "mallory", "", "")
		s.Do(http.MethodPost, groupsPath(pool, "/", vip.ID, "/members"), map[string]any{"user_ids": []string{userID(1)}}).Expect(http.StatusNoContent)
		s.Do(http.MethodPost, groupsPath(otherPool, "/", foreign.ID, "/members"), map[string]any{"user_ids": []string{userID(3)}}).Expect(http.StatusNoContent)

		before, beforeOther := snapshot(t, s, pool), snapshot(t, s, otherPool)
		long := strings.Repeat("x", 129)
		many := make([]string, 101)
		for i := range many {
			many[i] = userID(100 + i)
		}
		vipPath, vipMembers := groupsPath(pool, "/", vip.ID), groupsPath(pool, "/", vip.ID, "/members")
		tests := []struct {
			name, method, path string
			body               any
			status             int
			code               string
			fields             []string
		}{
			{"create: missing name", "POST", groupsPath(pool), map[string]any{"description": "d"}, 400, "invalid_request", []string{"name"}},
			{"create: blank name", "POST", groupsPath(pool), map[string]any{"name": "   "}, 400, "invalid_request", []string{"name"}},
			{"create: 129-char name", "POST", groupsPath(pool), map[string]any{"name": long}, 400, "invalid_request", []string{"name"}},
			{"create: 129-char description", "POST", groupsPath(pool), map[string]any{"name": "New", "description": long}, 400, "invalid_request", []string{"description"}},
			{"create: both wrong", "POST", groupsPath(pool), map[string]any{"description": long}, 400, "invalid_request", []string{"name", "description"}},
			{"create: name not a string", "POST", groupsPath(pool), map[string]any{"name": 42}, 400, "invalid_request", []string{"name"}},
			{"create: description not a string", "POST", groupsPath(pool), map[string]any{"name": "New", "description": []int{1}}, 400, "invalid_request", []string{"description"}},
			{"create: unknown field", "POST", groupsPath(pool), map[string]any{"name": "New", "member_count": 5}, 400, "invalid_request", []string{"member_count"}},
			{"create: not JSON", "POST", groupsPath(pool), "{name:", 400, "invalid_request", []string{"body"}},
			{"create: empty body", "POST", groupsPath(pool), nil, 400, "invalid_request", []string{"body"}},
			{"create: array body", "POST", groupsPath(pool), []string{"VIP"}, 400, "invalid_request", []string{"body"}},
			{"create: duplicate name", "POST", groupsPath(pool), map[string]any{"name": "VIP"}, 409, "duplicate", []string{"name"}},
			{"create: duplicate after trimming", "POST", groupsPath(pool), map[string]any{"name": " Staff "}, 409, "duplicate", []string{"name"}},
			{"create: unknown pool", "POST", groupsPath("nope"), map[string]any{"name": "New"}, 404, "not_found", nil},
			{"list: page -1", "GET", groupsPath(pool) + "?page=-1", nil, 400, "invalid_request", []string{"page"}},
			{"list: page_size 101", "GET", groupsPath(pool) + "?page_size=101", nil, 400, "invalid_request", []string{"page_size"}},
			{"list: page not a number", "GET", groupsPath(pool) + "?page=abc", nil, 400, "invalid_request", []string{"page"}},
			{"list: unknown pool", "GET", groupsPath("nope"), nil, 404, "not_found", nil},
			{"get: unknown group", "GET", groupsPath(pool, "/nope"), nil, 404, "not_found", nil},
			{"get: another pool's group", "GET", groupsPath(pool, "/", foreign.ID), nil, 404, "not_found", nil},
			{"get: through another pool", "GET", groupsPath(otherPool, "/", vip.ID), nil, 404, "not_found", nil},
			{"edit: empty name", "PATCH", vipPath, map[string]any{"name": ""}, 400, "invalid_request", []string{"name"}},
			{"edit: 129-char name", "PATCH", vipPath, map[string]any{"name": long}, 400, "invalid_request", []string{"name"}},
			{"edit: 129-char description", "PATCH", vipPath, map[string]any{"description": long}, 400, "invalid_request", []string{"description"}},
			{"edit: both wrong", "PATCH", vipPath, map[string]any{"name": " ", "description": long}, 400, "invalid_request", []string{"name", "description"}},
			{"edit: name not a string", "PATCH", vipPath, map[string]any{"name": true}, 400, "invalid_request", []string{"name"}},
			{"edit: unknown field", "PATCH", vipPath, map[string]any{"id": "x"}, 400, "invalid_request", []string{"id"}},
			{"edit: duplicate name", "PATCH", vipPath, map[string]any{"name": "Staff"}, 409, "duplicate", []string{"name"}},
			{"edit: unknown group", "PATCH", groupsPath(pool, "/nope"), map[string]any{"name": "X"}, 404, "not_found", nil},
			{"edit: another pool's group", "PATCH", groupsPath(pool, "/", foreign.ID), map[string]any{"name": "X"}, 404, "not_found", nil},
			{"edit: unknown group, empty edit", "PATCH", groupsPath(pool, "/nope"), map[string]any{}, 404, "not_found", nil},
			{"delete: unknown group", "DELETE", groupsPath(pool, "/nope"), nil, 404, "not_found", nil},
			{"delete: another pool's group", "DELETE", groupsPath(pool, "/", foreign.ID), nil, 404, "not_found", nil},
			{"batch delete: one unknown id", "POST", groupsPath(pool, "/batch-delete"), map[string]any{"group_ids": []string{vip.ID, "nope"}}, 404, "not_found", nil},
			{"batch delete: another pool's id", "POST", groupsPath(pool, "/batch-delete"), map[string]any{"group_ids": []string{staff.ID, foreign.ID}}, 404, "not_found", nil},
			{"batch delete: missing ids", "POST", groupsPath(pool, "/batch-delete"), map[string]any{}, 400, "invalid_request", []string{"group_ids"}},
			{"batch delete: empty ids", "POST", groupsPath(pool, "/batch-delete"), map[string]any{"group_ids": []string{}}, 400, "invalid_request", []string{"group_ids"}},
			{"batch delete: 101 ids", "POST", groupsPath(pool, "/batch-delete"), map[string]any{"group_ids": many}, 400, "invalid_request", []string{"group_ids"}},
			{"batch delete: empty id", "POST", groupsPath(pool, "/batch-delete"), map[string]any{"group_ids": []string{vip.ID, ""}}, 400, "invalid_request", []string{"group_ids[1]"}},
			{"batch delete: ids not an array", "POST", groupsPath(pool, "/batch-delete"), map[string]any{"group_ids": vip.ID}, 400, "invalid_request", []string{"group_ids"}},
			{"batch delete: unknown field", "POST", groupsPath(pool, "/batch-delete"), map[string]any{"ids": []string{vip.ID}}, 400, "invalid_request", []string{"ids"}},
			{"add: another pool's user", "POST", vipMembers, map[string]any{"user_ids": []string{userID(2), userID(3)}}, 404, "not_found", nil},
			{"add: unknown user", "POST", vipMembers, map[string]any{"user_ids": []string{userID(2), "nope"}}, 404, "not_found", nil},
			{"add: unknown group", "POST", groupsPath(pool, "/nope/members"), map[string]any{"user_ids": []string{userID(2)}}, 404, "not_found", nil},
			{"add: another pool's group", "POST", groupsPath(pool, "/", foreign.ID, "/members"), map[string]any{"user_ids": []string{userID(2)}}, 404, "not_found", nil},
			{"add: through another pool", "POST", groupsPath(otherPool, "/", vip.ID, "/members"), map[string]any{"user_ids": []string{userID(3)}}, 404, "not_found", nil},
			{"add: empty ids", "POST", vipMembers, map[string]any{"user_ids": []string{}}, 400, "invalid_request", []string{"user_ids"}},
			{"add: missing ids", "POST", vipMembers, map[string]any{}, 400, "invalid_request", []string{"user_ids"}},
			{"add: 101 ids", "POST", vipMembers, map[string]any{"user_ids": many}, 400, "invalid_request", []string{"user_ids"}},
			{"add: ids of the wrong type", "POST", vipMembers, map[string]any{"user_ids": []int{1}}, 400, "invalid_request", []string{"user_ids"}},
			{"add: unknown field", "POST", vipMembers, map[string]any{"user_ids": []string{userID(2)}, "role": "x"}, 400, "invalid_request", []string{"role"}},
			{"remove: empty ids", "DELETE", vipMembers, map[string]any{"user_ids": []string{}}, 400, "invalid_request", []string{"user_ids"}},
			{"remove: no body", "DELETE", vipMembers, nil, 400, "invalid_request", []string{"body"}},
			{"remove: another pool's group", "DELETE", groupsPath(pool, "/", foreign.ID, "/members"), map[string]any{"user_ids": []string{userID(3)}}, 404, "not_found", nil},
			{"remove: through another pool", "DELETE", groupsPath(otherPool, "/", vip.ID, "/members"), map[string]any{"user_ids": []string{userID(1)}}, 404, "not_found", nil},
			{"members: unknown group", "GET", groupsPath(pool, "/nope/members"), nil, 404, "not_found", nil},
			{"members: another pool's group", "GET", groupsPath(pool, "/", foreign.ID, "/members"), nil, 404, "not_found", nil},
			{"members: bad page size", "GET", vipMembers + "?page_size=-1", nil, 400, "invalid_request", []string{"page_size"}},
		}
		// Not subtests: the server's helpers fail the test they were started with.
		for _, tt := range tests {
			resp := s.Do(tt.method, tt.path, tt.body)
			if resp.Status != tt.status {
				t.Fatalf("%s: status %d, want %d; body: %s", tt.name, resp.Status, tt.status, resp.Body)
			}
			var e servertest.ErrorBody
			resp.Decode(&e)
			var fields []string
			for _, d := range e.Details {
				fields = append(fields, d.Field)
			}
			if e.Error != tt.code || !slices.Equal(fields, tt.fields) {
				t.Fatalf("%s: error %q %v, want %q %v; body: %s", tt.name, e.Error, fields, tt.code, tt.fields, resp.Body)
			}
			if tt.status == 404 && (strings.Contains(e.Description, userID(3)) || strings.Contains(e.Description, foreign.ID)) {
				t.Fatalf("%s: a not-found answer names another pool's id: %q", tt.name, e.Description)
			}
		}

		for _, auth := range []string{"", "Bearer wrong-token", "Basic " + servertest.AdminToken} {
			for _, req := range []struct{ method, path string }{
				{"GET", groupsPath(pool)}, {"POST", groupsPath(pool)}, {"GET", vipPath}, {"PATCH", vipPath}, {"DELETE", vipPath},
				{"POST", groupsPath(pool, "/batch-delete")}, {"GET", vipMembers}, {"POST", vipMembers}, {"DELETE", vipMembers},
			} {
				s.DoWith(req.method, req.path, auth, map[string]any{"name": "Sneaky", "group_ids": []string{vip.ID}, "user_ids": []string{userID(2)}}).
					ExpectError(http.StatusUnauthorized, "invalid_token")
			}
		}

		if after := snapshot(t, s, pool); after != before {
			t.Fatalf("refused requests changed the pool:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		if after := snapshot(t, s, otherPool); after != beforeOther {
			t.Fatalf("refused requests changed the other pool:\nbefore:\n%s\nafter:\n%s", beforeOther, after)
		}
	})
}

func TestGroupsGoWithTheirPool(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		doomed, kept := createPool(t, s, "Doomed"), createPool(t, s, "Kept")
		g, k := createGroup(t, s, doomed, "A"), createGroup(t, s, kept, "A")
		seedUser(t, s, doomed, userID(1), "u1", "", "")
		seedUser(t, s, kept, userID(2), "u2", "", "")
		s.Do(http.MethodPost, groupsPath(doomed, "/", g.ID, "/members"), map[string]any{"user_ids": []string{userID(1)}}).Expect(http.StatusNoContent)
		s.Do(http.MethodPost, groupsPath(kept, "/", k.ID, "/members"), map[string]any{"user_ids": []string{userID(2)}}).Expect(http.StatusNoContent)

		s.Do(http.MethodDelete, "/admin/v1/pools/"+doomed+"?confirm=Doomed", nil).Expect(http.StatusNoContent)

		count := func(table, poolID string) int {
			var n int
			if err := s.DB.NewRaw("SELECT COUNT(*) FROM "+table+" WHERE pool_id = ?", poolID).Scan(context.Background(), &n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count("user_groups", doomed); n != 0 {
			t.Fatalf("%d groups outlived their pool", n)
		}
		if n := count("user_group_members", doomed); n != 0 {
			t.Fatalf("%d memberships outlived their pool", n)
		}
		s.Do(http.MethodGet, groupsPath(doomed), nil).ExpectError(http.StatusNotFound, "not_found")
		s.Do(http.MethodGet, groupsPath(doomed, "/", g.ID), nil).ExpectError(http.StatusNotFound, "not_found")
		var got groupJSON
		s.Do(http.MethodGet, groupsPath(kept, "/", k.ID), nil).Expect(http.StatusOK).Decode(&got)
		if got.MemberCount != 1 {
			t.Fatalf("the other pool's group lost members: %+v", got)
		}
	})
}
