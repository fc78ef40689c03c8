package server_test

import (
	"os"
	"testing"

	"github.com/gatehouse-iam/gatehouse/internal/testbin"
)

// TestMain removes the plugin binaries the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}
