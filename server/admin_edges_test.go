package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// An id or name in the path with surrounding white space names nothing, on MySQL (whose
// utf8mb4_bin ignores trailing spaces) as on SQLite: a padded id cannot reach an object past the
// checks that compare ids exactly, such as a group in use or an attribute's references.
func TestPaddedPathIDsNameNothing(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		var g, u, app struct {
			ID     string   `json:"id"`
			Claims []string `json:"claims"`
		}
		base := "/admin/v1/pools/" + createPool(t, s, "Padded").ID
		s.Do("POST", base+"/groups", map[string]any{"name": "New users"}).Expect(201).Decode(&g)
		s.Do("POST", base+"/attributes", map[string]any{"name": "level", "label": "Level", "field_type": "string"}).Expect(201)
		s.Do("POST", base+"/applications", map[string]any{"type": "web", "name": "Shop", "claims": []string{"email", "level"},
			"process": map[string]any{"registration": map[string]any{"group_id": g.ID}}}).Expect(201).Decode(&app)
		s.Do("POST", base+"/users", map[string]any{"user_name": "ann", "email": "ann@example.com", "password": "Passw0rd!long"}).
			Expect(201).Decode(&u)

		s.Do("DELETE", base+"/groups/"+g.ID+"%20", nil).ExpectError(404, "not_found")
		s.Do("PATCH", base+"/attributes/level%20", map[string]any{"name": "tier"}).ExpectError(404, "not_found")
		s.Do("GET", base+"/users/"+u.ID+"%20", nil).ExpectError(404, "not_found")
		s.Do("GET", base+"/users/%20"+u.ID, nil).ExpectError(404, "not_found")

		s.Do("DELETE", base+"/groups/"+g.ID, nil).ExpectError(409, "group_in_use")
		s.Do("PATCH", base+"/attributes/level", map[string]any{"name": "tier"}).Expect(200)
		s.Do("GET", base+"/applications/"+app.ID, nil).Expect(200).Decode(&app)
		if !slices.Equal(app.Claims, []string{"email", "tier"}) {
			t.Fatalf("the application's claims after the rename: %v", app.Claims)
		}
	})
}

// An enum attribute at the documented limits (100 options of 128 characters) is stored and read
// back as given, also when its options are full of characters JSON may escape.
func TestEnumOptionsAtTheLimit(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		base := "/admin/v1/pools/" + createPool(t, s, "Options").ID
		opts := make([]string, 100)
		for i := range opts {
			opts[i] = fmt.Sprintf("%03d", i) + strings.Repeat("<", 125)
		}
		// Sent as written: encoding/json would escape each < to six bytes, past the body limit.
		s.Do("POST", base+"/attributes", `{"name": "tier", "label": "Tier", "field_type": "enum", "options": ["`+
			strings.Join(opts, `", "`)+`"]}`).Expect(201)
		var a struct {
			Options []string `json:"options"`
		}
		s.Do("GET", base+"/attributes/tier", nil).Expect(200).Decode(&a)
		if !slices.Equal(a.Options, opts) {
			t.Fatalf("options read back differ: %d options, first %q", len(a.Options), a.Options[:min(1, len(a.Options))])
		}
	})
}

// hookHasher runs hook (once) as it hashes a password: after the user use case has checked the
// request's attribute values and before it opens its transaction.
type hookHasher struct{ hook func() }

func (h *hookHasher) Hash(pw string) (string, error) {
	if f := h.hook; f != nil {
		h.hook = nil
		f()
	}
	return servertest.CheapHasher.Hash(pw)
}

func (h *hookHasher) Verify(enc, pw string) (bool, error) {
	return servertest.CheapHasher.Verify(enc, pw)
}

// An attribute renamed while a user with a value for it is being created: the value is checked
// again under the pool lock the rename holds, so the create is refused rather than storing a
// value under a name the pool no longer has.
func TestUserCreateRacingAnAttributeRename(t *testing.T) {
	h := &hookHasher{}
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		base := "/admin/v1/pools/" + createPool(t, s, "Race").ID
		s.Do("POST", base+"/attributes", map[string]any{"name": "lvl", "label": "Level", "field_type": "string"}).Expect(201)
		h.hook = func() {
			s.Do("PATCH", base+"/attributes/lvl", map[string]any{"name": "rank", "field_type": "number"}).Expect(200)
		}
		s.Do("POST", base+"/users", map[string]any{"user_name": "a", "email": "a@example.com", "password": "Passw0rd!long",
			"attributes": map[string]any{"lvl": "gold"}}).ExpectError(400, "invalid_request")
		if h.hook != nil {
			t.Fatal("the rename did not run while the user was created")
		}
	}, func(_ *server.Config, ov *server.Overrides) { ov.PasswordHasher = h })
}
