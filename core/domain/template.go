package domain

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	"text/template"
	"text/template/parse"
)

// ResolveTemplate picks the template for a message: the usage in the requested locale, then in
// the default locale, then with no locale; failing all three the same for the generic usage.
func ResolveTemplate(templates []MessageTemplate, usage, locale, defaultLocale string) (MessageTemplate, bool) {
	for _, u := range []string{usage, UsageGeneric} {
		for _, l := range []string{locale, defaultLocale, ""} {
			for _, t := range templates {
				if t.Usage == u && t.Locale == l {
					return t, true
				}
			}
		}
	}
	return MessageTemplate{}, false
}

// ValidateTemplates checks a connector instance's templates against its type. It returns an
// invalid error with one detail per problem, fields named templates[i].<field>.
func ValidateTemplates(t ConnectorType, templates []MessageTemplate) error {
	var p Problems
	seen := map[[2]string]int{}
	for i, tpl := range templates {
		field := func(name string) string { return fmt.Sprintf("templates[%d].%s", i, name) }
		switch {
		case !IsCanonicalUsage(tpl.Usage):
			p.Add(field("usage"), fmt.Sprintf("unknown usage %q", tpl.Usage))
		case !t.SupportsUsage(tpl.Usage):
			p.Add(field("usage"), fmt.Sprintf("connector type %s does not support usage %q", t.Name, tpl.Usage))
		}
		key := [2]string{tpl.Usage, tpl.Locale}
		if j, dup := seen[key]; dup {
			p.Add(field("locale"), fmt.Sprintf("duplicates templates[%d] (same usage and locale)", j))
		} else {
			seen[key] = i
		}
		switch t.TemplateKind {
		case TemplateKindProvider:
			if strings.TrimSpace(tpl.ID) == "" {
				p.Add(field("id"), "required for provider templates")
			}
			for k, param := range tpl.Params {
				if !t.HasPlaceholder(param) {
					p.Add(fmt.Sprintf("templates[%d].params[%d]", i, k), fmt.Sprintf("unknown placeholder %q", param))
				}
			}
		case TemplateKindContent:
			if t.Channel == ChannelEmail && strings.TrimSpace(tpl.Subject) == "" {
				p.Add(field("subject"), "required for email templates")
			}
			if strings.TrimSpace(tpl.Body) == "" && (t.Channel != ChannelEmail || strings.TrimSpace(tpl.HTMLBody) == "") {
				p.Add(field("body"), "required")
			}
			checkContent(&p, t, field("subject"), tpl.Subject)
			checkContent(&p, t, field("body"), tpl.Body)
			if checkContent(&p, t, field("html_body"), tpl.HTMLBody) {
				checkHTML(&p, t, field("html_body"), tpl.HTMLBody)
			}
		}
	}
	if len(p) == 0 {
		return nil
	}
	return Invalid(CodeInvalidTemplate, "The templates are not valid for this connector type.", p...)
}

// checkContent parses src as a text/template and refuses any variable that is not one of the
// type's placeholders, so a typo is caught when the template is saved, not when a user waits
// for a code.
// It reports whether src is a usable template (or empty).
func checkContent(p *Problems, t ConnectorType, field, src string) bool {
	if src == "" {
		return true
	}
	tree, err := template.New("t").Option("missingkey=error").Parse(src)
	if err != nil {
		p.Add(field, "does not parse: "+strings.TrimPrefix(err.Error(), "template: t:"))
		return false
	}
	ok := true
	seen := map[string]bool{}
	for _, name := range templateFields(tree.Tree.Root) {
		if !seen[name] && !t.HasPlaceholder(name) {
			p.Add(field, fmt.Sprintf("unknown placeholder %q", name))
			ok = false
		}
		seen[name] = true
	}
	return ok
}

// checkHTML renders src as connectors render an HTML body, with html/template, on a sample
// value for every placeholder: its escaper refuses some templates only when it runs them (an
// attribute left unquoted at the end, say), which would otherwise fail every send.
func checkHTML(p *Problems, t ConnectorType, field, src string) {
	if src == "" {
		return
	}
	tpl, err := htmltemplate.New("t").Option("missingkey=error").Parse(src)
	if err == nil {
		sample := map[string]string{}
		for _, name := range t.Placeholders {
			sample[name] = "0"
		}
		err = tpl.Execute(io.Discard, sample)
	}
	var he *htmltemplate.Error
	if errors.As(err, &he) {
		// Its description ends with the escaper's internal state, which says nothing to an admin.
		reason, _, _ := strings.Cut(he.Description, ": {")
		p.Add(field, "does not render as HTML: "+reason+" (an unclosed quote, tag or comment?)")
	} else if err != nil {
		p.Add(field, "does not render as HTML")
	}
}

// templateFields lists the first element of every .field reference in the tree, in order.
func templateFields(n parse.Node) []string {
	var out []string
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case nil:
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			out = append(out, n.Ident[0])
		case *parse.ChainNode:
			walk(n.Node)
			if len(n.Field) > 0 {
				// (.x).y: the chain's base is walked above; fields of its result are not variables.
				return
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		}
	}
	walk(n)
	return out
}
