package core_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// forbidden are the import path prefixes the core must never depend on: frameworks and the
// adapters that implement its ports.
var forbidden = []string{
	"github.com/gin-gonic/",
	"github.com/uptrace/bun",
	"github.com/lestrrat-go/jwx",
	"github.com/hashicorp/go-plugin",
	"google.golang.org/grpc",
	"github.com/go-playground/validator",
	"github.com/gatehouse-iam/gatehouse/adapters",
	"github.com/gatehouse-iam/gatehouse/plugins/host",
	"github.com/gatehouse-iam/gatehouse/server",
	"database/sql",
	"net/http",
}

func TestCoreImportsNoFrameworkOrAdapter(t *testing.T) {
	checked := 0
	for _, root := range []string{".", "../ports"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			checked++
			for _, imp := range f.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				for _, bad := range forbidden {
					if strings.HasPrefix(p, bad) {
						t.Errorf("%s imports %s: core/ and ports/ must stay free of frameworks and adapters", path, p)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d files; is the walk looking in the right place?", checked)
	}
}
