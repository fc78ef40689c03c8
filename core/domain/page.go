package domain

// Page bounds a list query. Number starts at 1.
type Page struct {
	Number int
	Size   int
}

const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	// MaxPageNumber keeps Offset far from overflowing (a wrapped offset would serve another
	// page under the asked-for number).
	MaxPageNumber = 1_000_000
)

// Normalize fills defaults and refuses out-of-range values.
func (p Page) Normalize() (Page, error) {
	var problems Problems
	if p.Number == 0 {
		p.Number = 1
	}
	if p.Size == 0 {
		p.Size = DefaultPageSize
	}
	if p.Number < 1 || p.Number > MaxPageNumber {
		problems.Add("page", "must be between 1 and 1000000")
	}
	if p.Size < 1 || p.Size > MaxPageSize {
		problems.Add("page_size", "must be between 1 and 100")
	}
	return p, problems.Err()
}

// Offset is the number of rows before the page.
func (p Page) Offset() int { return (p.Number - 1) * p.Size }

// List is one page of results and the total count across all pages.
type List[T any] struct {
	Items []T
	Total int
	Page  Page
}
