package server_test

import (
	"os"
	"testing"

	"github.com/gatehouse-iam/gatehouse/internal/testbin"
)

// TestMain removes the plugin binaries the tests built. Started as a benchmark's load
// generator (see runLoad), the binary runs that instead.
func TestMain(m *testing.M) {
	if spec := os.Getenv(loadSpecEnv); spec != "" {
		if !runLoadGenerator(spec) {
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}
