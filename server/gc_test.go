package server_test

import (
	"runtime/debug"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server"
)

// The server collects garbage at a target of 400 unless GOGC chose one, and the target it
// replaced comes back on restore.
func TestSetGCDefault(t *testing.T) {
	before := debug.SetGCPercent(150)
	defer debug.SetGCPercent(before)

	restore := server.SetGCDefault(func(string) string { return "" })
	if got := debug.SetGCPercent(400); got != 400 {
		t.Fatalf("GC target %d without GOGC, want 400", got)
	}
	restore()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Fatalf("GC target %d after restore, want the previous 150", got)
	}

	restore = server.SetGCDefault(func(k string) string {
		if k == "GOGC" {
			return "80"
		}
		return ""
	})
	defer restore()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Fatalf("GC target %d with GOGC set, want it left alone at 150", got)
	}
}
