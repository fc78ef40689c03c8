package ports_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreImportsNoFramework keeps core/ and ports/ plain Go: their dependencies may be the
// standard library and this module's core and ports packages only. A connector framework
// (go-plugin, grpc), a web framework or a database library creeping in fails here.
func TestCoreImportsNoFramework(t *testing.T) {
	const module = "github.com/gatehouse-iam/gatehouse/"
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		module+"core/...", module+"ports/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg != module+"core" && !strings.HasPrefix(pkg, module+"core/") && !strings.HasPrefix(pkg, module+"ports") {
			t.Errorf("core/ports depend on %s", pkg)
		}
	}
}
