package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/password"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

type userJSON struct {
	ID                string         `json:"id"`
	UserName          string         `json:"user_name"`
	Email             string         `json:"email"`
	PhoneNumber       *string        `json:"phone_number"`
	Nickname          *string        `json:"nickname"`
	Status            string         `json:"status"`
	Source            string         `json:"source"`
	AlreadyFirstLogin bool           `json:"already_first_login"`
	ErrorCount        int            `json:"error_count"`
	LockType          *string        `json:"lock_type"`
	LockTime          *time.Time     `json:"lock_time"`
	LastLoginAt       *time.Time     `json:"last_login_at"`
	GroupIDs          []string       `json:"group_ids"`
	Attributes        map[string]any `json:"attributes"`
}

type userList struct {
	Items []userJSON `json:"items"`
	Total int        `json:"total"`
}

func insertGroup(t *testing.T, s *servertest.Server, pool, id, name string) {
	t.Helper()
	now := time.Now().UTC()
	if _, err := s.DB.ExecContext(context.Background(),
		"INSERT INTO user_groups (id, pool_id, name, description, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?)",
		id, pool, name, now, now); err != nil {
		t.Fatal(err)
	}
}

func storedHash(t *testing.T, s *servertest.Server, pool, id string) string {
	t.Helper()
	u, err := s.App.Stores.Users.Get(context.Background(), pool, id)
	if err != nil {
		t.Fatal(err)
	}
	return u.PasswordHash
}

func verifies(t *testing.T, hash, pw string) bool {
	t.Helper()
	ok, err := password.New().Verify(hash, pw)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestUsersAPI(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		pa := createPool(t, s, "Pool A")
		pb := createPool(t, s, "Pool B")
		users := "/admin/v1/pools/" + pa + "/users"
		attrs := "/admin/v1/pools/" + pa + "/attributes"
		insertGroup(t, s, pa, "g-a", "Staff")
		insertGroup(t, s, pb, "g-b", "Other")

		s.Do(http.MethodPost, attrs, map[string]any{"name": "code", "label": "Code", "field_type": "string",
			"regex": `^[A-Z]{2}\d{4}$`, "regex_error": "two capitals then four digits", "masking": "keep", "mask_keep_first": 2, "mask_keep_last": 1}).Expect(201)
		s.Do(http.MethodPost, attrs, map[string]any{"name": "idno", "label": "ID", "field_type": "string", "masking": "id_number"}).Expect(201)
		s.Do(http.MethodPost, attrs, map[string]any{"name": "score", "label": "Score", "field_type": "number"}).Expect(201)
		s.Do(http.MethodPost, attrs, map[string]any{"name": "old", "label": "Old", "field_type": "string", "enabled": false}).Expect(201)

		var alice userJSON
		created := s.Do(http.MethodPost, users, map[string]any{"user_name": "  Alice ", "email": "Alice@Example.com", "password": "correct horse",
			"phone_number": "138 1234 5678", "nickname": "Ally", "group_ids": []string{"g-a"},
			"attributes": map[string]any{"code": "AB1234", "idno": "110101199001011234", "score": 42, "birthdate": "1990-01-01"}}).
			Expect(http.StatusCreated)
		created.Decode(&alice)
		if alice.UserName != "alice" || alice.Email != "alice@example.com" || alice.PhoneNumber == nil || *alice.PhoneNumber != "+8613812345678" ||
			alice.Nickname == nil || *alice.Nickname != "Ally" || alice.Status != "disabled" || alice.AlreadyFirstLogin || alice.Source != "admin" ||
			!slices.Equal(alice.GroupIDs, []string{"g-a"}) || alice.Attributes["code"] != "AB1234" || alice.Attributes["score"] != 42.0 || alice.LockType != nil {
			t.Fatalf("created: %+v", alice)
		}
		if !verifies(t, storedHash(t, s, pa, alice.ID), "correct horse") {
			t.Fatal("stored hash does not verify the password")
		}
		aliceURL := users + "/" + alice.ID
		unchanged(t, s, aliceURL, created.Body)

		// Detail is raw, list is masked.
		var detail userJSON
		s.Do(http.MethodGet, aliceURL, nil).Expect(200).Decode(&detail)
		if detail.Email != "alice@example.com" || *detail.PhoneNumber != "+8613812345678" || detail.Attributes["idno"] != "110101199001011234" {
			t.Fatalf("detail: %+v", detail)
		}
		var list userList
		s.Do(http.MethodGet, users, nil).Expect(200).Decode(&list)
		if list.Total != 1 || list.Items[0].Email != "a***@example.com" || *list.Items[0].PhoneNumber != "+86138****5678" ||
			list.Items[0].Attributes["idno"] != "110***********1234" || list.Items[0].Attributes["code"] != "AB***4" ||
			list.Items[0].Attributes["score"] != 42.0 || list.Items[0].Attributes["birthdate"] != "1990-01-01" {
			t.Fatalf("list item not masked as expected: %+v", list.Items[0])
		}

		beforeList := s.Do(http.MethodGet, users, nil).Body
		beforeAlice := s.Do(http.MethodGet, aliceURL, nil).Body
		ok := func(extra map[string]any) map[string]any {
			m := map[string]any{"user_name": "bob", "email": "bob@example.com", "password": "password-1"}
			for k, v := range extra {
				if v == nil {
					delete(m, k)
				} else {
					m[k] = v
				}
			}
			return m
		}
		bad := []struct {
			name   string
			body   any
			status int
			code   string
			field  string
		}{
			{"missing user_name", ok(map[string]any{"user_name": nil}), 400, "invalid_request", "user_name"},
			{"missing email", ok(map[string]any{"email": nil}), 400, "invalid_request", "email"},
			{"missing password", ok(map[string]any{"password": nil}), 400, "invalid_request", "password"},
			{"short password", ok(map[string]any{"password": "short"}), 400, "invalid_request", "password"},
			{"long password", ok(map[string]any{"password": strings.Repeat("p", 129)}), 400, "invalid_request", "password"},
			{"oversize user_name", ok(map[string]any{"user_name": strings.Repeat("u", 129)}), 400, "invalid_request", "user_name"},
			{"user_name with space", ok(map[string]any{"user_name": "bob smith"}), 400, "invalid_request", "user_name"},
			{"user_name wrong type", ok(map[string]any{"user_name": 5}), 400, "invalid_request", "user_name"},
			{"group_ids wrong type", ok(map[string]any{"group_ids": "g-a"}), 400, "invalid_request", "group_ids"},
			{"unknown field", ok(map[string]any{"status": "enabled"}), 400, "invalid_request", "status"},
			{"malformed email", ok(map[string]any{"email": "bob@"}), 400, "malformed_email", "email"},
			{"phone with letters", ok(map[string]any{"phone_number": "1381234abcd"}), 400, "malformed_phone_number", "phone_number"},
			{"duplicate user_name", ok(map[string]any{"user_name": "ALICE"}), 409, "duplicate", "user_name"},
			{"duplicate email", ok(map[string]any{"email": "ALICE@example.com"}), 409, "duplicate", "email"},
			{"duplicate phone", ok(map[string]any{"phone_number": "+86 138-1234-5678"}), 409, "duplicate", "phone_number"},
			{"unknown attribute", ok(map[string]any{"attributes": map[string]any{"shoe": "42"}}), 400, "invalid_request", "attributes.shoe"},
			{"built-in attribute", ok(map[string]any{"attributes": map[string]any{"status": "enabled"}}), 400, "invalid_request", "attributes.status"},
			{"disabled attribute", ok(map[string]any{"attributes": map[string]any{"old": "x"}}), 400, "invalid_request", "attributes.old"},
			{"wrongly typed value", ok(map[string]any{"attributes": map[string]any{"score": "high"}}), 400, "invalid_request", "attributes.score"},
			{"bad date", ok(map[string]any{"attributes": map[string]any{"birthdate": "1990-02-30"}}), 400, "invalid_request", "attributes.birthdate"},
			{"nickname twice", ok(map[string]any{"nickname": "a", "attributes": map[string]any{"nickname": "b"}}), 400, "invalid_request", "nickname"},
			{"unknown group", ok(map[string]any{"group_ids": []string{"nope"}}), 400, "invalid_request", "group_ids"},
			{"another pool's group", ok(map[string]any{"group_ids": []string{"g-b"}}), 400, "invalid_request", "group_ids"},
			{"oversize body", ok(map[string]any{"nickname": strings.Repeat("n", 70<<10)}), 400, "invalid_request", "body"},
		}
		for _, b := range bad {
			s.Do(http.MethodPost, users, b.body).ExpectError(b.status, b.code, b.field)
			unchanged(t, s, users, beforeList)
		}
		e := s.Do(http.MethodPost, users, ok(map[string]any{"attributes": map[string]any{"code": "ab12"}})).ExpectError(400, "invalid_request", "attributes.code")
		if e.Details[0].Reason != "two capitals then four digits" {
			t.Fatalf("regex failure should carry the attribute's message: %+v", e)
		}
		s.Do(http.MethodPost, "/admin/v1/pools/"+pb+"x/users", ok(nil)).ExpectError(404, "not_found")
		s.DoWith(http.MethodPost, users, "", ok(nil)).ExpectError(401, "invalid_token")
		s.DoWith(http.MethodGet, aliceURL, "Bearer nope", nil).ExpectError(401, "invalid_token")
		for _, ep := range [][2]string{
			{http.MethodGet, attrs}, {http.MethodPost, attrs}, {http.MethodGet, attrs + "/code"},
			{http.MethodPatch, attrs + "/code"}, {http.MethodDelete, attrs + "/code"},
			{http.MethodGet, users}, {http.MethodPost, users}, {http.MethodPost, users + "/batch-delete"},
			{http.MethodGet, aliceURL}, {http.MethodPatch, aliceURL}, {http.MethodDelete, aliceURL},
			{http.MethodPost, aliceURL + "/lock"}, {http.MethodPost, aliceURL + "/unlock"}, {http.MethodPost, aliceURL + "/freeze"},
			{http.MethodPost, aliceURL + "/unfreeze"}, {http.MethodPost, aliceURL + "/reset-password"},
		} {
			s.DoWith(ep[0], ep[1], "", map[string]any{}).ExpectError(401, "invalid_token")
			s.DoWith(ep[0], ep[1], "Bearer wrong", map[string]any{}).ExpectError(401, "invalid_token")
		}
		unchanged(t, s, users, beforeList)
		unchanged(t, s, aliceURL, beforeAlice)

		// Another pool's ids are not found, whatever the action.
		other := "/admin/v1/pools/" + pb + "/users/" + alice.ID
		s.Do(http.MethodGet, other, nil).ExpectError(404, "not_found")
		s.Do(http.MethodPatch, other, map[string]any{"nickname": "x"}).ExpectError(404, "not_found")
		s.Do(http.MethodDelete, other, nil).ExpectError(404, "not_found")
		for _, action := range []string{"lock", "unlock", "freeze", "unfreeze", "reset-password"} {
			s.Do(http.MethodPost, other+"/"+action, nil).ExpectError(404, "not_found")
		}
		s.Do(http.MethodPost, "/admin/v1/pools/"+pb+"/users/batch-delete", map[string]any{"user_ids": []string{alice.ID}}).ExpectError(404, "not_found")
		s.Do(http.MethodGet, users+"/nope", nil).ExpectError(404, "not_found")
		unchanged(t, s, aliceURL, beforeAlice)

		// Edits.
		var bob userJSON
		s.Do(http.MethodPost, users, ok(map[string]any{"phone_number": "+14155550123"})).Expect(201).Decode(&bob)
		bobURL := users + "/" + bob.ID
		beforeAlice = s.Do(http.MethodGet, aliceURL, nil).Body
		for _, b := range []struct {
			name   string
			body   any
			status int
			code   string
			field  string
		}{
			{"password", map[string]any{"password": "new-password"}, 400, "invalid_request", "password"},
			{"duplicate email", map[string]any{"email": "bob@example.com"}, 409, "duplicate", "email"},
			{"duplicate phone", map[string]any{"phone_number": "+1 415 555 0123"}, 409, "duplicate", "phone_number"},
			{"remove user_name", map[string]any{"user_name": nil}, 400, "invalid_request", "user_name"},
			{"empty email", map[string]any{"email": ""}, 400, "invalid_request", "email"},
			{"phone letters", map[string]any{"phone_number": "+86 abc"}, 400, "malformed_phone_number", "phone_number"},
			{"phone wrong type", map[string]any{"phone_number": 13812345678}, 400, "invalid_request", "phone_number"},
			{"regex", map[string]any{"attributes": map[string]any{"code": "zz"}}, 400, "invalid_request", "attributes.code"},
			{"foreign group", map[string]any{"group_ids": []string{"g-b"}}, 400, "invalid_request", "group_ids"},
			{"unknown field", map[string]any{"lock_type": "admin"}, 400, "invalid_request", "lock_type"},
		} {
			s.Do(http.MethodPatch, aliceURL, b.body).ExpectError(b.status, b.code, b.field)
			unchanged(t, s, aliceURL, beforeAlice)
		}
		var edited userJSON
		s.Do(http.MethodPatch, aliceURL, map[string]any{"user_name": "Alicia", "phone_number": nil, "nickname": "",
			"group_ids": []string{}, "attributes": map[string]any{"score": nil, "code": "CD5678", "idno": ""}}).Expect(200).Decode(&edited)
		if edited.UserName != "alicia" || edited.PhoneNumber != nil || edited.Nickname != nil || len(edited.GroupIDs) != 0 ||
			len(edited.Attributes) != 2 || edited.Attributes["code"] != "CD5678" || edited.Attributes["birthdate"] != "1990-01-01" {
			t.Fatalf("edited: %+v", edited)
		}
		var again userJSON
		s.Do(http.MethodGet, aliceURL, nil).Expect(200).Decode(&again)
		if again.UserName != "alicia" || again.PhoneNumber != nil || len(again.Attributes) != 2 {
			t.Fatalf("edit not stored: %+v", again)
		}
		if !verifies(t, storedHash(t, s, pa, alice.ID), "correct horse") {
			t.Fatal("edit changed the password")
		}
		s.Do(http.MethodPatch, aliceURL, map[string]any{"group_ids": []string{"g-a"}, "phone_number": "13900000001"}).Expect(200)

		// Search, status and group filters.
		var carol userJSON
		s.Do(http.MethodPost, users, map[string]any{"user_name": "carol_x", "email": "c@corp.example", "password": "password-1"}).Expect(201).Decode(&carol)
		names := func(query string) []string {
			var l userList
			s.Do(http.MethodGet, users+query, nil).Expect(200).Decode(&l)
			var out []string
			for _, u := range l.Items {
				out = append(out, u.UserName)
			}
			if l.Total != len(out) && !strings.Contains(query, "page=") {
				t.Fatalf("%s: total %d for %d items", query, l.Total, len(out))
			}
			return out
		}
		for query, want := range map[string][]string{
			"":                                 {"carol_x", "bob", "alicia"},
			"?search=ALI":                      {"alicia"},
			"?search=bob%40":                   {"bob"},
			"?search=139":                      {"alicia"},
			"?search=%2B1415":                  {"bob"},
			"?search=carol_":                   {"carol_x"},
			"?search=_":                        nil,
			"?search=%25":                      nil,
			"?group_id=g-a":                    {"alicia"},
			"?group_id=g-b":                    nil,
			"?status=disabled":                 {"carol_x", "bob", "alicia"},
			"?status=locked":                   nil,
			"?page=2&page_size=2":              {"alicia"},
			"?group_id=g-a&search=bob":         nil,
			"?search=c%40corp&status=disabled": {"carol_x"},
		} {
			if got := names(query); !slices.Equal(got, want) {
				t.Fatalf("list %q = %v, want %v", query, got, want)
			}
		}
		s.Do(http.MethodGet, users+"?status=sleeping", nil).ExpectError(400, "invalid_request", "status")
		s.Do(http.MethodGet, users+"?page_size=101", nil).ExpectError(400, "invalid_request", "page_size")
		s.Do(http.MethodGet, users+"?page=x", nil).ExpectError(400, "invalid_request", "page")

		// Status transitions.
		status := func(r *servertest.Response) userJSON {
			var u userJSON
			r.Expect(200).Decode(&u)
			return u
		}
		u := status(s.Do(http.MethodPost, bobURL+"/lock", nil))
		if u.Status != "locked" || u.LockType == nil || *u.LockType != "admin" || u.LockTime == nil {
			t.Fatalf("locked: %+v", u)
		}
		s.Do(http.MethodPost, bobURL+"/lock", nil).ExpectError(409, "user_already_locked")
		if u = status(s.Do(http.MethodPost, bobURL+"/freeze", nil)); u.Status != "frozen" {
			t.Fatalf("frozen: %+v", u)
		}
		s.Do(http.MethodPost, bobURL+"/freeze", nil).ExpectError(409, "user_already_frozen")
		if names("?status=frozen")[0] != "bob" {
			t.Fatal("status filter frozen")
		}
		if u = status(s.Do(http.MethodPost, bobURL+"/unfreeze", nil)); u.Status != "locked" {
			t.Fatalf("unfrozen locked user: %+v", u)
		}
		s.Do(http.MethodPost, bobURL+"/unfreeze", nil).ExpectError(409, "user_not_frozen")
		if u = status(s.Do(http.MethodPost, bobURL+"/unlock", nil)); u.Status != "disabled" || u.LockType != nil || u.LockTime != nil || u.ErrorCount != 0 {
			t.Fatalf("unlocked: %+v", u)
		}
		s.Do(http.MethodPost, bobURL+"/unlock", nil).ExpectError(409, "user_not_locked")
		s.Do(http.MethodPost, bobURL+"/freeze", nil).Expect(200)
		s.Do(http.MethodPost, bobURL+"/lock", nil).ExpectError(409, "user_frozen")
		s.Do(http.MethodPost, bobURL+"/unfreeze", nil).Expect(200)

		// Reset password: given, refused, generated; it unlocks.
		s.Do(http.MethodPost, bobURL+"/lock", nil).Expect(200)
		hash := storedHash(t, s, pa, bob.ID)
		s.Do(http.MethodPost, bobURL+"/reset-password", map[string]any{"password": "short"}).ExpectError(400, "invalid_request", "password")
		s.Do(http.MethodPost, bobURL+"/reset-password", map[string]any{"password": 12345678}).ExpectError(400, "invalid_request", "password")
		s.Do(http.MethodPost, bobURL+"/reset-password", map[string]any{"pwd": "long-enough"}).ExpectError(400, "invalid_request", "pwd")
		if storedHash(t, s, pa, bob.ID) != hash {
			t.Fatal("refused reset changed the password")
		}
		var reset struct{ Password string }
		r := s.Do(http.MethodPost, bobURL+"/reset-password", map[string]any{"password": "brand-new-pass"}).Expect(200)
		r.Decode(&reset)
		if reset.Password != "brand-new-pass" || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("reset answer: %s", r.Body)
		}
		if h := storedHash(t, s, pa, bob.ID); !verifies(t, h, "brand-new-pass") || verifies(t, h, "password-1") {
			t.Fatal("password not changed")
		}
		if u = status(s.Do(http.MethodGet, bobURL, nil)); u.Status != "disabled" || u.LockType != nil {
			t.Fatalf("reset should unlock: %+v", u)
		}
		s.Do(http.MethodPost, bobURL+"/reset-password", nil).Expect(200).Decode(&reset)
		if len(reset.Password) != 20 || !verifies(t, storedHash(t, s, pa, bob.ID), reset.Password) {
			t.Fatalf("generated password %q does not verify", reset.Password)
		}
		if strings.Contains(s.Logs.String(), reset.Password) || strings.Contains(s.Logs.String(), "brand-new-pass") {
			t.Fatal("a password reached the log")
		}

		// Deletes: all or nothing.
		beforeList = s.Do(http.MethodGet, users, nil).Body
		batch := users + "/batch-delete"
		s.Do(http.MethodPost, batch, map[string]any{"user_ids": []string{bob.ID, "nope"}}).ExpectError(404, "not_found")
		s.Do(http.MethodPost, batch, map[string]any{"user_ids": []string{}}).ExpectError(400, "invalid_request", "user_ids")
		s.Do(http.MethodPost, batch, map[string]any{}).ExpectError(400, "invalid_request", "user_ids")
		s.Do(http.MethodPost, batch, map[string]any{"user_ids": "x"}).ExpectError(400, "invalid_request", "user_ids")
		many := make([]string, 101)
		for i := range many {
			many[i] = fmt.Sprint("id", i)
		}
		s.Do(http.MethodPost, batch, map[string]any{"user_ids": many}).ExpectError(400, "invalid_request", "user_ids")
		unchanged(t, s, users, beforeList)
		s.Do(http.MethodPost, batch, map[string]any{"user_ids": []string{bob.ID, carol.ID}}).Expect(204)
		s.Do(http.MethodDelete, aliceURL, nil).Expect(204)
		s.Do(http.MethodDelete, aliceURL, nil).ExpectError(404, "not_found")
		if got := names(""); len(got) != 0 {
			t.Fatalf("users left: %v", got)
		}
		// The freed username, email and phone can be used again.
		s.Do(http.MethodPost, users, map[string]any{"user_name": "alicia", "email": "alice@example.com", "password": "password-1", "phone_number": "13900000001"}).Expect(201)
	})
}

func TestUsersConcurrentCreate(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		users := "/admin/v1/pools/" + createPool(t, s, "Pool") + "/users"
		for round := range 5 {
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := s.Send(http.MethodPost, users, "Bearer "+s.Token, map[string]any{"user_name": fmt.Sprintf("same%d", round),
						"email": fmt.Sprintf("u%d-%d@example.com", round, i), "password": "password-1"})
					if err != nil {
						t.Error(err)
						return
					}
					statuses[i] = r.Status
				}()
			}
			wg.Wait()
			slices.Sort(statuses)
			if !slices.Equal(statuses, []int{201, 409}) {
				t.Fatalf("round %d: statuses %v, want one 201 and one 409", round, statuses)
			}
		}
		var l userList
		s.Do(http.MethodGet, users, nil).Expect(200).Decode(&l)
		if l.Total != 5 {
			t.Fatalf("%d users, want 5", l.Total)
		}
	})
}
