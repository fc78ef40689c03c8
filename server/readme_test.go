package server

import (
	"os"
	"strings"
	"testing"
)

// The README's configuration table is the operator's reference: every variable must be in it.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range options {
		if !strings.Contains(string(readme), "`"+o.env+"`") || !strings.Contains(string(readme), "`--"+o.flag+"`") {
			t.Errorf("README.md does not document %s / --%s", o.env, o.flag)
		}
	}
}
