package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// No write endpoint answers a malformed body with a 5xx: wrong shapes, wrong types, nulls,
// oversize values, invalid UTF-8 and the wrong content type all get a 4xx.
func TestMalformedBodiesNeverGet5xx(t *testing.T) {
	s := servertest.Start(t, "sqlite")
	pool := createPool(t, s, "P").ID
	id := func(path string, body any) string {
		t.Helper()
		v, _ := s.Do("POST", path, body).Expect(201).Map()["id"].(string)
		return v
	}
	src := id("/admin/v1/pools/"+pool+"/auth-sources", map[string]any{"type": "sms_otp", "name": "s"})
	app := id("/admin/v1/pools/"+pool+"/applications", map[string]any{"type": "web", "name": "a",
		"process": map[string]any{"login": map[string]any{"preferred_source_id": src}}})
	user := id("/admin/v1/pools/"+pool+"/users", map[string]any{"user_name": "u", "email": "u@x.io", "password": "longpassword1"})
	group := id("/admin/v1/pools/"+pool+"/groups", map[string]any{"name": "g"})
	p := "/admin/v1/pools/" + pool
	endpoints := [][2]string{
		{"POST", "/admin/v1/pools"}, {"PATCH", p}, {"POST", p + "/attributes"}, {"PATCH", p + "/attributes/nickname"},
		{"POST", p + "/users"}, {"PATCH", p + "/users/" + user}, {"POST", p + "/users/batch-delete"},
		{"POST", p + "/users/" + user + "/reset-password"}, {"POST", p + "/groups"}, {"PATCH", p + "/groups/" + group},
		{"POST", p + "/groups/" + group + "/members"}, {"DELETE", p + "/groups/" + group + "/members"},
		{"POST", p + "/groups/batch-delete"}, {"POST", p + "/applications"}, {"PATCH", p + "/applications/" + app},
		{"POST", p + "/auth-sources"}, {"PATCH", p + "/auth-sources/" + src}, {"POST", p + "/auth-sources/" + src + "/test"},
		{"POST", p + "/auth-sources/" + src + "/test-password"}, {"POST", p + "/connectors"}, {"POST", p + "/connectors/test"},
		{"PUT", p + "/message-settings"}, {"PUT", p + "/otp-settings"},
		{"POST", "/otp/send"}, {"POST", "/oauth2/token"}, {"POST", "/oauth2/revoke"}, {"POST", "/oauth2/introspect"}, {"POST", "/oauth2/userinfo"},
	}
	bodies := []string{"", "null", "[]", "{}", `{"x":1}`, `"str"`, "123", `{"name":null}`, `{"name":{}}`,
		`{"name":"` + strings.Repeat("a", 70000) + `"}`,
		`{"name":"a","type":"web","config":{"a":[[[[[[1]]]]]]},"templates":[{}]}`,
		`{"user_ids":[""]}`, `{"user_ids":["x"],"group_ids":["y"]}`, "\xff\xfe", `{"phone_number":"1"}`,
		`{"attributes":{"nickname":123}}`, `{"password":""}`, `{"process":{"login":{"preferred_source_id":null}}}`,
		`{"policy":{"code_length":-1}}`, `{"sms_templates":[{"usage":"login"}]}`, `{"cooldown_seconds":-5}`,
		`{"grant_type":"refresh_token","refresh_token":"x"}`, `{"grant_type":"client_credentials","client_id":"nope"}`}
	for _, ep := range endpoints {
		auth := "Bearer " + s.Token
		if !strings.HasPrefix(ep[1], "/admin/") {
			auth = ""
		}
		for _, body := range bodies {
			for _, ct := range []string{"application/json", "application/x-www-form-urlencoded"} {
				req, err := http.NewRequest(ep[0], s.URL+ep[1], bytes.NewReader([]byte(body)))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", ct)
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Errorf("%s %s with %.40q (%s): %d", ep[0], ep[1], body, ct, resp.StatusCode)
				}
			}
		}
	}
	if strings.Contains(s.Logs.String(), `"level":"ERROR"`) {
		t.Fatalf("malformed input logged an error:\n%s", s.Logs.String())
	}
}
