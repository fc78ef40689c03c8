package httpapi_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// createPool creates a pool through the API and returns its id.
func createPool(t *testing.T, s *servertest.Server, name string) string {
	t.Helper()
	var p struct{ ID string }
	s.Do(http.MethodPost, "/admin/v1/pools", map[string]any{"name": name}).Expect(http.StatusCreated).Decode(&p)
	if p.ID == "" {
		t.Fatal("pool without id")
	}
	return p.ID
}

// unchanged fails the test when GET path no longer answers before: a refused request must leave
// the stored object as it was.
func unchanged(t *testing.T, s *servertest.Server, path string, before []byte) {
	t.Helper()
	after := s.Do(http.MethodGet, path, nil).Expect(http.StatusOK).Body
	if !bytes.Equal(before, after) {
		t.Fatalf("%s changed after a refused request:\nbefore %s\nafter  %s", path, before, after)
	}
}
