package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

type attrJSON struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Label         string   `json:"label"`
	Source        string   `json:"source"`
	FieldType     string   `json:"field_type"`
	Options       []string `json:"options"`
	Masking       string   `json:"masking"`
	MaskKeepFirst int      `json:"mask_keep_first"`
	MaskKeepLast  int      `json:"mask_keep_last"`
	Regex         string   `json:"regex"`
	RegexError    string   `json:"regex_error"`
	Enabled       bool     `json:"enabled"`
	InUse         bool     `json:"in_use"`
}

// unchanged fetches path and fails when its body differs from before.
func TestAttributesAPI(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		pa := createPool(t, s, "Pool A")
		pb := createPool(t, s, "Pool B")
		base := "/admin/v1/pools/" + pa + "/attributes"

		var list struct {
			Items []attrJSON `json:"items"`
			Total int        `json:"total"`
		}
		s.Do(http.MethodGet, base, nil).Expect(http.StatusOK).Decode(&list)
		sources := map[string]string{}
		for _, a := range list.Items {
			sources[a.Name] = a.Source
			if a.InUse {
				t.Fatalf("%s in use in a new pool", a.Name)
			}
		}
		if sources["userName"] != "builtin" || sources["nickname"] != "preset" || list.Total != len(list.Items) {
			t.Fatalf("default catalogue: %v", sources)
		}

		var level attrJSON
		s.Do(http.MethodPost, base, map[string]any{"name": "level", "label": "Level", "field_type": "enum",
			"options": []string{"gold", "silver"}, "masking": "keep", "mask_keep_first": 1, "mask_keep_last": 0}).
			Expect(http.StatusCreated).Decode(&level)
		if level.Source != "custom" || !level.Enabled || level.ID == "" || len(level.Options) != 2 || level.Masking != "keep" || level.MaskKeepFirst != 1 {
			t.Fatalf("created: %+v", level)
		}
		before := s.Do(http.MethodGet, base, nil).Expect(http.StatusOK).Body

		long := strings.Repeat("x", 129)
		bad := []struct {
			name   string
			body   any
			status int
			code   string
			field  string
		}{
			{"missing name", map[string]any{"label": "L", "field_type": "string"}, 400, "invalid_request", "name"},
			{"bad name", map[string]any{"name": "9lives", "label": "L", "field_type": "string"}, 400, "invalid_request", "name"},
			{"long name", map[string]any{"name": "a" + strings.Repeat("b", 64), "label": "L", "field_type": "string"}, 400, "invalid_request", "name"},
			{"missing label", map[string]any{"name": "x1", "field_type": "string"}, 400, "invalid_request", "label"},
			{"oversize label", map[string]any{"name": "x1", "label": long, "field_type": "string"}, 400, "invalid_request", "label"},
			{"label wrong type", map[string]any{"name": "x1", "label": 5, "field_type": "string"}, 400, "invalid_request", "label"},
			{"enabled wrong type", map[string]any{"name": "x1", "label": "L", "field_type": "string", "enabled": "yes"}, 400, "invalid_request", "enabled"},
			{"unknown field", map[string]any{"name": "x1", "label": "L", "field_type": "string", "color": "red"}, 400, "invalid_request", "color"},
			{"unknown type", map[string]any{"name": "x1", "label": "L", "field_type": "blob"}, 400, "invalid_request", "field_type"},
			{"options on string", map[string]any{"name": "x1", "label": "L", "field_type": "string", "options": []string{"a"}}, 400, "invalid_request", "options"},
			{"enum without options", map[string]any{"name": "x1", "label": "L", "field_type": "enum"}, 400, "invalid_request", "options"},
			{"enum duplicate options", map[string]any{"name": "x1", "label": "L", "field_type": "enum", "options": []string{"a", "a"}}, 400, "invalid_request", "options"},
			{"bad masking", map[string]any{"name": "x1", "label": "L", "field_type": "string", "masking": "blur"}, 400, "invalid_request", "masking"},
			{"keep too large", map[string]any{"name": "x1", "label": "L", "field_type": "string", "masking": "keep", "mask_keep_last": 33}, 400, "invalid_request", "mask_keep_last"},
			{"regex does not compile", map[string]any{"name": "x1", "label": "L", "field_type": "string", "regex": "([a-z"}, 400, "invalid_request", "regex"},
			{"regex too long", map[string]any{"name": "x1", "label": "L", "field_type": "string", "regex": strings.Repeat("a", 513)}, 400, "invalid_request", "regex"},
			{"duplicate name", map[string]any{"name": "level", "label": "L", "field_type": "string"}, 409, "duplicate", "name"},
			{"built-in name", map[string]any{"name": "email", "label": "L", "field_type": "string"}, 409, "duplicate", "name"},
			{"not JSON", "{", 400, "invalid_request", "body"},
		}
		for _, b := range bad {
			s.Do(http.MethodPost, base, b.body).ExpectError(b.status, b.code, b.field)
			unchanged(t, s, base, before)
		}
		s.DoWith(http.MethodPost, base, "", map[string]any{"name": "x1", "label": "L", "field_type": "string"}).ExpectError(401, "invalid_token")
		s.DoWith(http.MethodGet, base, "Bearer wrong", nil).ExpectError(401, "invalid_token")
		s.Do(http.MethodPost, "/admin/v1/pools/nope/attributes", map[string]any{"name": "x1", "label": "L", "field_type": "string"}).ExpectError(404, "not_found")
		s.Do(http.MethodGet, "/admin/v1/pools/nope/attributes", nil).ExpectError(404, "not_found")
		unchanged(t, s, base, before)

		// Another pool's attribute is not found.
		s.Do(http.MethodGet, "/admin/v1/pools/"+pb+"/attributes/level", nil).ExpectError(404, "not_found")
		s.Do(http.MethodPatch, "/admin/v1/pools/"+pb+"/attributes/level", map[string]any{"label": "X"}).ExpectError(404, "not_found")
		s.Do(http.MethodDelete, "/admin/v1/pools/"+pb+"/attributes/level", nil).ExpectError(404, "not_found")
		s.Do(http.MethodGet, base+"/nothing", nil).ExpectError(404, "not_found")

		// Built-ins are fixed.
		userName := s.Do(http.MethodGet, base+"/userName", nil).Expect(200).Body
		s.Do(http.MethodPatch, base+"/userName", map[string]any{"label": "Login"}).ExpectError(409, "builtin_attribute")
		s.Do(http.MethodDelete, base+"/userName", nil).ExpectError(409, "builtin_attribute")
		unchanged(t, s, base+"/userName", userName)

		// Edits: bad ones change nothing; good ones apply.
		lvl := s.Do(http.MethodGet, base+"/level", nil).Expect(200).Body
		for _, b := range []struct {
			body   any
			status int
			code   string
			field  string
		}{
			{map[string]any{"regex": "(("}, 400, "invalid_request", "regex"},
			{map[string]any{"label": ""}, 400, "invalid_request", "label"},
			{map[string]any{"name": "bad name"}, 400, "invalid_request", "name"},
			{map[string]any{"name": "nickname"}, 409, "duplicate", "name"},
			{map[string]any{"options": []string{}}, 400, "invalid_request", "options"},
			{map[string]any{"mask_keep_first": 40}, 400, "invalid_request", "mask_keep_first"},
			{map[string]any{"label": 3}, 400, "invalid_request", "label"},
			{map[string]any{"source": "builtin"}, 400, "invalid_request", "source"},
		} {
			s.Do(http.MethodPatch, base+"/level", b.body).ExpectError(b.status, b.code, b.field)
			unchanged(t, s, base+"/level", lvl)
		}
		var edited attrJSON
		s.Do(http.MethodPatch, base+"/level", map[string]any{"field_type": "string", "masking": "none", "label": "Tier",
			"regex": "^[A-Z]{2}\\d{4}$", "regex_error": "two capitals then four digits"}).Expect(200).Decode(&edited)
		if edited.FieldType != "string" || len(edited.Options) != 0 || edited.Masking != "none" || edited.MaskKeepFirst != 0 || edited.Label != "Tier" {
			t.Fatalf("edited: %+v", edited)
		}
		s.Do(http.MethodPatch, base+"/level", map[string]any{"name": "tier"}).Expect(200)

		// Once in use, name and type are fixed; label still changes.
		s.Do(http.MethodPost, "/admin/v1/pools/"+pa+"/users", map[string]any{"user_name": "ann", "email": "ann@example.com",
			"password": "password-1", "attributes": map[string]any{"tier": "AB1234"}}).Expect(201)
		var got attrJSON
		s.Do(http.MethodGet, base+"/tier", nil).Expect(200).Decode(&got)
		if !got.InUse {
			t.Fatal("tier should be in use")
		}
		tier := s.Do(http.MethodGet, base+"/tier", nil).Body
		s.Do(http.MethodPatch, base+"/tier", map[string]any{"name": "rank"}).ExpectError(409, "attribute_in_use", "name")
		s.Do(http.MethodPatch, base+"/tier", map[string]any{"field_type": "number"}).ExpectError(409, "attribute_in_use", "field_type")
		unchanged(t, s, base+"/tier", tier)
		s.Do(http.MethodPatch, base+"/tier", map[string]any{"name": "tier", "field_type": "string", "label": "Rank"}).Expect(200)

		// Delete needs it disabled first and takes the values with it.
		s.Do(http.MethodDelete, base+"/tier", nil).ExpectError(409, "attribute_enabled")
		s.Do(http.MethodPatch, base+"/tier", map[string]any{"enabled": false}).Expect(200)
		s.Do(http.MethodDelete, base+"/tier", nil).Expect(204)
		s.Do(http.MethodGet, base+"/tier", nil).ExpectError(404, "not_found")
		s.Do(http.MethodDelete, base+"/tier", nil).ExpectError(404, "not_found")
		var users struct {
			Items []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"items"`
		}
		s.Do(http.MethodGet, "/admin/v1/pools/"+pa+"/users", nil).Expect(200).Decode(&users)
		if len(users.Items) != 1 || len(users.Items[0].Attributes) != 0 {
			t.Fatalf("values of a deleted attribute remain: %+v", users.Items)
		}
		// A preset attribute can be deleted too, once disabled.
		s.Do(http.MethodPatch, base+"/website", map[string]any{"enabled": false}).Expect(200)
		s.Do(http.MethodDelete, base+"/website", nil).Expect(204)
	})
}
