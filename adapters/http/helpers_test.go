package httpapi_test

import (
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
