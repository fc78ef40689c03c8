package ports_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreImportsNoFramework keeps core/ and ports/ plain Go: their dependencies may be the
// standard library, this module's core and ports packages, and the module's own dependency-free
// helpers listed here (their dependencies are checked too). A connector framework (go-plugin,
// grpc), a web framework or a database library creeping in fails here.
func TestCoreImportsNoFramework(t *testing.T) {
	helpers := map[string]bool{"internal/groupcommit": true}
	const module = "github.com/gatehouse-iam/gatehouse/"
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		module+"core/...", module+"ports/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		rel, ours := strings.CutPrefix(pkg, module)
		if !ours || rel != "core" && !strings.HasPrefix(rel, "core/") && !strings.HasPrefix(rel, "ports") && !helpers[rel] {
			t.Errorf("core/ports depend on %s", pkg)
		}
	}
}
