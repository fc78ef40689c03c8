// Package ports declares the interfaces the core needs from the outside world (stores, clock,
// hashing, message sending) and nothing else. Adapters implement them; the core depends only on
// them.
package ports
