package server

import (
	"os"
	"strings"
	"testing"
)

// The README's configuration table is the operator's reference: it has one row for every
// variable, naming its flag and, where the setting has a literal default, that default; and no
// row for a variable the server does not read.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{} // variable → its row's cells
	for _, line := range strings.Split(string(readme), "\n") {
		if !strings.HasPrefix(line, "| `GATEHOUSE_") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows[strings.Trim(cells[0], "`")] = cells
	}
	for _, o := range options {
		cells, ok := rows[o.env]
		delete(rows, o.env)
		switch {
		case !ok:
			t.Errorf("README.md has no row for %s", o.env)
		case len(cells) != 4 || cells[1] != "`--"+o.flag+"`":
			t.Errorf("README.md row of %s does not name --%s: %q", o.env, o.flag, cells)
		case o.def != "" && cells[2] != "`"+o.def+"`":
			t.Errorf("README.md gives %s the default %s, the server %q", o.env, cells[2], o.def)
		}
	}
	for env := range rows {
		t.Errorf("README.md documents %s, which the server does not read", env)
	}
}
