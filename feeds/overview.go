package feeds

import "time"

// Overview is one configured feed as `feedfold feeds` and the web page's
// /feeds show it: its settings, its last fetch and when it will be fetched
// next. The JSON names are those of `feedfold feeds --json`.
type Overview struct {
	Name       string    `json:"name"`
	URL        string    `json:"url"`
	FetchURL   string    `json:"fetch_url,omitempty"`
	Schedule   string    `json:"schedule"`
	FullText   bool      `json:"full_text"`
	LastFetch  time.Time `json:"last_fetch,omitzero"`
	LastOK     time.Time `json:"last_ok,omitzero"`
	LastStatus string    `json:"last_status"`
	LastError  string    `json:"last_error,omitempty"`
	ErrorCount int       `json:"error_count"`
	Disabled   string    `json:"disabled,omitempty"`
	// NextRun is the next scheduled fetch; zero for a disabled feed. A
	// feed never fetched is fetched when the daemon starts, whatever it
	// says.
	NextRun  time.Time `json:"next_run,omitzero"`
	Articles int       `json:"articles"`
}

// Overviews pairs each configured feed with its stored state (by name) as
// of now.
func Overviews(list []Feed, states []FeedState, now time.Time) []Overview {
	byName := map[string]FeedState{}
	for _, st := range states {
		byName[st.Name] = st
	}
	out := make([]Overview, 0, len(list))
	for _, f := range list {
		st := byName[f.Name].ForURL(f)
		o := Overview{
			Name: f.Name, URL: f.URL, FetchURL: st.FetchURL, Schedule: f.Schedule, FullText: f.FullText,
			LastFetch: st.LastFetch, LastOK: st.LastOK, LastStatus: st.LastStatus, LastError: st.LastError,
			ErrorCount: st.ErrorCount, Disabled: st.Disabled, Articles: st.Articles,
		}
		if st.Disabled == "" {
			o.NextRun = st.NextRun(f, now)
		}
		out = append(out, o)
	}
	return out
}
