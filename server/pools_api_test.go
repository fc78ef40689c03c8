package server_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

var (
	pngLogo  = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 64)...)
	jpegLogo = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{2}, 64)...)
	gifLogo  = append([]byte("GIF89a"), bytes.Repeat([]byte{3}, 64)...)
)

type poolJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	LogoURL   string `json:"logo_url"`
	Issuer    string `json:"issuer"`
	IsDefault bool   `json:"is_default"`
}

func createPool(t *testing.T, s *servertest.Server, name string) poolJSON {
	t.Helper()
	var p poolJSON
	s.Do("POST", "/admin/v1/pools", map[string]any{"name": name}).Expect(http.StatusCreated).Decode(&p)
	return p
}

func TestPoolsAPI(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		var p poolJSON
		s.Do("POST", "/admin/v1/pools", map[string]any{"name": " Shop ", "logo": base64.StdEncoding.EncodeToString(pngLogo)}).
			Expect(http.StatusCreated).Decode(&p)
		if p.ID == "" || p.Name != "Shop" || p.Issuer != s.URL+"/pools/"+p.ID || p.LogoURL == "" {
			t.Fatalf("created pool: %+v", p)
		}

		logo, err := http.Get(p.LogoURL)
		if err != nil {
			t.Fatal(err)
		}
		logo.Body.Close()
		if logo.StatusCode != 200 || logo.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("logo served as %d %s", logo.StatusCode, logo.Header.Get("Content-Type"))
		}
		// Revalidation: the ETag, weak or in a list, answers 304; another tag gets the image.
		etag := logo.Header.Get("ETag")
		for header, want := range map[string]int{etag: 304, "W/" + etag: 304, `"other", ` + etag: 304, `"other"`: 200} {
			req, _ := http.NewRequest("GET", p.LogoURL, nil)
			req.Header.Set("If-None-Match", header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("If-None-Match %s: %d, want %d", header, resp.StatusCode, want)
			}
		}

		var got poolJSON
		s.Do("GET", "/admin/v1/pools/"+p.ID, nil).Expect(200).Decode(&got)
		if got != p {
			t.Fatalf("get = %+v, want %+v", got, p)
		}

		var list struct {
			Items    []poolJSON `json:"items"`
			Total    int        `json:"total"`
			Page     int        `json:"page"`
			PageSize int        `json:"page_size"`
		}
		createPool(t, s, "Second")
		s.Do("GET", "/admin/v1/pools?page=1&page_size=1", nil).Expect(200).Decode(&list)
		if list.Total != 2 || len(list.Items) != 1 || list.Page != 1 || list.PageSize != 1 || list.Items[0].ID != p.ID {
			t.Fatalf("list: %+v", list)
		}

		// Replace the logo with a JPEG, then remove it.
		var edited poolJSON
		s.Do("PATCH", "/admin/v1/pools/"+p.ID, map[string]any{"name": "Shop 2", "logo": "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(jpegLogo)}).
			Expect(200).Decode(&edited)
		if edited.Name != "Shop 2" || edited.LogoURL == p.LogoURL {
			t.Fatalf("edit: %+v", edited)
		}
		var removed poolJSON
		s.Do("PATCH", "/admin/v1/pools/"+p.ID, map[string]any{"logo": ""}).Expect(200).Decode(&removed)
		if removed.LogoURL != "" {
			t.Fatalf("logo not removed: %+v", removed)
		}
		resp, _ := http.Get(s.URL + "/pools/" + p.ID + "/logo")
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Fatalf("removed logo still served: %d", resp.StatusCode)
		}

		// Default pool: exactly one.
		second := createPool(t, s, "Third")
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/default", nil).Expect(200)
		s.Do("POST", "/admin/v1/pools/"+second.ID+"/default", nil).Expect(200).Decode(&got)
		if !got.IsDefault {
			t.Fatal("set default did not report is_default")
		}
		s.Do("GET", "/admin/v1/pools/"+p.ID, nil).Expect(200).Decode(&got)
		if got.IsDefault {
			t.Fatal("two default pools")
		}

		// Delete needs the name repeated.
		s.Do("DELETE", "/admin/v1/pools/"+p.ID, nil).ExpectError(400, "confirmation_required", "confirm")
		s.Do("DELETE", "/admin/v1/pools/"+p.ID+"?confirm=Shop", nil).ExpectError(400, "confirmation_required", "confirm")
		s.Do("GET", "/admin/v1/pools/"+p.ID, nil).Expect(200)
		s.Do("DELETE", "/admin/v1/pools/"+p.ID+"?confirm=Shop%202", nil).Expect(204)
		s.Do("GET", "/admin/v1/pools/"+p.ID, nil).ExpectError(404, "not_found")
		s.Do("DELETE", "/admin/v1/pools/"+p.ID+"?confirm=Shop%202", nil).ExpectError(404, "not_found")
	})
}

func TestPoolsAPIRefusesBadInput(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		bigLogo := base64.StdEncoding.EncodeToString(append(append([]byte{}, pngLogo...), make([]byte, 2<<20)...))
		cases := []struct {
			name   string
			method string
			path   string
			body   any
			status int
			code   string
			fields []string
		}{
			{"missing name", "POST", "/admin/v1/pools", map[string]any{}, 400, "invalid_request", []string{"name"}},
			{"blank name", "POST", "/admin/v1/pools", map[string]any{"name": "   "}, 400, "invalid_request", []string{"name"}},
			{"name too long", "POST", "/admin/v1/pools", map[string]any{"name": strings.Repeat("é", 129)}, 400, "invalid_request", []string{"name"}},
			{"name wrong type", "POST", "/admin/v1/pools", `{"name": 12}`, 400, "invalid_request", []string{"name"}},
			{"unknown field", "POST", "/admin/v1/pools", `{"name": "x", "colour": "red"}`, 400, "invalid_request", []string{"colour"}},
			{"not json", "POST", "/admin/v1/pools", `{"name": `, 400, "invalid_request", []string{"body"}},
			{"two objects", "POST", "/admin/v1/pools", `{"name": "a"} {"name": "b"}`, 400, "invalid_request", []string{"body"}},
			{"oversize body", "POST", "/admin/v1/pools", `{"name": "` + strings.Repeat("a", 5<<20) + `"}`, 400, "invalid_request", []string{"body"}},
			{"duplicate name", "POST", "/admin/v1/pools", map[string]any{"name": "Shop"}, 409, "duplicate", []string{"name"}},
			{"2 MiB logo", "POST", "/admin/v1/pools", map[string]any{"name": "Big", "logo": bigLogo}, 400, "invalid_request", []string{"logo"}},
			{"gif named png", "POST", "/admin/v1/pools", map[string]any{"name": "Gif", "logo": base64.StdEncoding.EncodeToString(gifLogo)}, 400, "invalid_request", []string{"logo"}},
			{"logo not base64", "POST", "/admin/v1/pools", map[string]any{"name": "B64", "logo": "%%%"}, 400, "invalid_request", []string{"logo"}},
			{"edit duplicate name", "PATCH", "/admin/v1/pools/" + p.ID, map[string]any{"name": "Other"}, 409, "duplicate", []string{"name"}},
			{"edit empty name", "PATCH", "/admin/v1/pools/" + p.ID, map[string]any{"name": ""}, 400, "invalid_request", []string{"name"}},
			{"edit gif logo", "PATCH", "/admin/v1/pools/" + p.ID, map[string]any{"logo": base64.StdEncoding.EncodeToString(gifLogo)}, 400, "invalid_request", []string{"logo"}},
			{"unknown pool", "GET", "/admin/v1/pools/00000000-0000-0000-0000-000000000000", nil, 404, "not_found", nil},
			{"edit unknown pool", "PATCH", "/admin/v1/pools/nope", map[string]any{"name": "x"}, 404, "not_found", nil},
			{"default unknown pool", "POST", "/admin/v1/pools/nope/default", nil, 404, "not_found", nil},
			{"bad page", "GET", "/admin/v1/pools?page=0", nil, 400, "invalid_request", []string{"page"}},
			{"page size too big", "GET", "/admin/v1/pools?page_size=101", nil, 400, "invalid_request", []string{"page_size"}},
			{"page not a number", "GET", "/admin/v1/pools?page=x", nil, 400, "invalid_request", []string{"page"}},
		}
		createPool(t, s, "Other")
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s.Do(tc.method, tc.path, tc.body).ExpectError(tc.status, tc.code, tc.fields...)
			})
		}
		// Nothing above changed the stored pool.
		var got poolJSON
		s.Do("GET", "/admin/v1/pools/"+p.ID, nil).Expect(200).Decode(&got)
		if got != p {
			t.Fatalf("pool changed by refused requests: %+v, was %+v", got, p)
		}
		var list struct {
			Total int `json:"total"`
		}
		s.Do("GET", "/admin/v1/pools", nil).Expect(200).Decode(&list)
		if list.Total != 2 {
			t.Fatalf("refused creates stored pools: total %d", list.Total)
		}
	})
}

func TestAdminTokenRequired(t *testing.T) {
	s := servertest.Start(t, "sqlite")
	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Basic " + servertest.AdminToken, "bearer " + servertest.AdminToken + "x"} {
		s.DoWith("GET", "/admin/v1/pools", auth, nil).ExpectError(401, "invalid_token")
		s.DoWith("POST", "/admin/v1/pools", auth, map[string]any{"name": "x"}).ExpectError(401, "invalid_token")
	}
	s.DoWith("GET", "/admin/v1/pools", "bearer "+servertest.AdminToken, nil).Expect(200)
	var list struct {
		Total int `json:"total"`
	}
	s.Do("GET", "/admin/v1/pools", nil).Expect(200).Decode(&list)
	if list.Total != 0 {
		t.Fatal("an unauthenticated create stored a pool")
	}
	if strings.Contains(s.Logs.String(), servertest.AdminToken) {
		t.Fatal("admin token in the log")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	s := servertest.Start(t, "sqlite")
	s.DoWith("GET", "/healthz", "", nil).Expect(200)
	s.DoWith("GET", "/readyz", "", nil).Expect(200)
	s.DoWith("GET", "/nope", "", nil).ExpectError(404, "not_found")
	_ = s.DB.Close()
	s.DoWith("GET", "/readyz", "", nil).ExpectError(503, "not_ready")
	s.DoWith("GET", "/healthz", "", nil).Expect(200)
}

func TestRequestsAreLogged(t *testing.T) {
	s := servertest.Start(t, "sqlite")
	s.DoWith("GET", "/admin/v1/pools?confirm=secret-query", "Bearer "+servertest.AdminToken, nil).Expect(200)
	logs := s.Logs.String()
	for _, want := range []string{`"method":"GET"`, `"path":"/admin/v1/pools"`, `"status":200`, `"latency"`, `"request_id"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("access log lacks %s: %s", want, logs)
		}
	}
	if strings.Contains(logs, "secret-query") {
		t.Error("query string logged")
	}
}
