// caseline's dashboard: the JSON API (/v1/...) drawn for team leads and
// analysts. No framework and no build step: the server serves this file as
// it is. Every figure comes from one API answer; the page computes nothing
// of its own beyond formatting, so what it shows is what Report, Trend,
// Worklist and GetCompliance answer.
'use strict';

const TEXT = {
  da: {
    'title': 'caseline · rettidighed',
    'nav.overview': 'Overblik', 'nav.worklist': 'Arbejdsliste', 'nav.case': 'Sag (id)',
    'token.summary': 'Adgang', 'token.label': 'Token (bearer)',
    'controls.jobcentre': 'Jobcenter', 'controls.team': 'Team',
    'controls.caseworker': 'Sagsbehandler', 'controls.target_group': 'Målgruppe',
    'controls.as_of': 'Bedømt pr.', 'controls.known_at': 'Som kendt',
    'controls.days': 'Arbejdsdage frem', 'controls.show': 'Vis',
    'controls.months': 'Måneder i udviklingen',
    'all': 'Alle', 'language': 'English', 'loading': 'Henter …',
    'basis': 'Bedømt pr. {as_of}, som kendt {known_at}; logposition {position}; {cases} sager talt.',
    'basis.case': 'Bedømt pr. {as_of}, som kendt {known_at}; logposition {position}; {events} hændelser talt.',
    'overview.requirements': 'Rettidighed pr. krav', 'overview.trend': 'Rettidighed måned for måned, {months} måneder',
    'overview.compare': 'Som kendt {then}, og til højre som kendt nu ({now}); ændrede rækker er markeret.',
    'col.now': 'Nu',
    'overview.monitors': 'STAR\'s opfølgning', 'overview.switches': 'Sagsbehandlerskift',
    'overview.waits': 'Ventetid fra henvisning til tilbud', 'overview.none': 'Ingen sager i udvalget.',
    'col.jobcentre': 'Jobcenter', 'col.rule_set': 'Regelsæt', 'col.requirement': 'Krav',
    'col.cases': 'Sager', 'col.met': 'Rettidigt', 'col.met_late': 'For sent',
    'col.overdue': 'Overskredet', 'col.due': 'Kommende', 'col.share': 'Andel rettidig',
    'col.measure': 'Måltal / flag', 'col.month': 'Måned', 'col.open': 'Åbne sager',
    'col.local_share': 'Lokale mål', 'col.planned': 'Planlagte', 'col.unplanned': 'Ikke planlagte',
    'col.case_years': 'Sagsår', 'col.per_case_year': 'Ikke planlagte pr. sagsår',
    'col.offer_kind': 'Tilbud', 'col.provider': 'Leverandør', 'col.started': 'Startet',
    'col.mean': 'Gns. dage', 'col.median': 'Median', 'col.p90': '90 %', 'col.max': 'Maks.',
    'col.waiting': 'Venter', 'col.run': 'Måneder i træk under', 'col.triggered': 'Betingelsen opfyldt',
    'col.case': 'Sag', 'col.citizen': 'Borger', 'col.caseworker': 'Sagsbehandler', 'col.team': 'Team',
    'col.target_group': 'Målgruppe', 'col.status': 'Status', 'col.deadline': 'Frist',
    'col.days_left': 'Arbejdsdage tilbage', 'col.met_on': 'Opfyldt', 'col.event': 'Hændelse',
    'col.source': 'Kilde', 'col.item': 'Del', 'col.occurred': 'Skete', 'col.recorded': 'Registreret',
    'col.kind': 'Hændelsestype', 'col.version': 'Version',
    'csv': 'Hent CSV', 'print': 'Udskriv', 'yes': 'ja', 'no': 'nej', 'flagged': 'flag',
    'target.met': 'mål nået', 'target.missed': 'mål ikke nået',
    'worklist.title': 'Hvad forfalder', 'worklist.pick': 'Vælg et team eller en sagsbehandler.',
    'worklist.total': 'Punkt {from}-{to} af {total}', 'worklist.none': 'Intet forfalder.',
    'worklist.beyond': 'Ingen punkter på denne side; listen har {total}.',
    'page.previous': 'Forrige side', 'page.next': 'Næste side', 'page.first': 'Første side',
    'case.title': 'Sag {id}', 'case.verdicts': 'Krav og afgørelser', 'case.timeline': 'Hændelser',
    'legend.statutory': 'Lovkrav', 'legend.local': 'Lokale mål',
    'status.MET': 'rettidigt', 'status.MET_LATE': 'for sent', 'status.OVERDUE': 'overskredet',
    'status.DUE': 'kommende', 'status.NOT_APPLICABLE': 'ikke relevant', 'status.COUNTS': 'tæller med',
    'status.DOES_NOT_COUNT': 'tæller ikke med', 'status.EXEMPTED': 'fritaget',
    'cases.title': 'Sagerne bag tallet', 'cases.changed': 'Afgørelser ændret siden {then}',
    'cases.total': '{cases} sager, {rows} rækker i alt.', 'cases.none': 'Ingen sager.',
    'cases.all': 'Vis alle',
    'cases.pinned': 'Siderne læses som kendt {known_at}, så de hænger sammen.',
    'overview.changed': 'Sager hvis afgørelse er ændret', 'col.then': 'Dengang',
  },
  en: {
    'title': 'caseline · timeliness',
    'nav.overview': 'Overview', 'nav.worklist': 'Worklist', 'nav.case': 'Case (id)',
    'token.summary': 'Access', 'token.label': 'Token (bearer)',
    'controls.jobcentre': 'Jobcentre', 'controls.team': 'Team',
    'controls.caseworker': 'Caseworker', 'controls.target_group': 'Target group',
    'controls.as_of': 'Judged on', 'controls.known_at': 'As known at',
    'controls.days': 'Working days ahead', 'controls.show': 'Show',
    'controls.months': 'Months in the trend',
    'all': 'All', 'language': 'Dansk', 'loading': 'Loading …',
    'basis': 'Judged on {as_of}, as known at {known_at}; log position {position}; {cases} cases counted.',
    'basis.case': 'Judged on {as_of}, as known at {known_at}; log position {position}; {events} events counted.',
    'overview.requirements': 'Timeliness per requirement', 'overview.trend': 'Timeliness month by month, {months} months',
    'overview.compare': 'As known at {then}, and on the right as known now ({now}); changed rows are marked.',
    'col.now': 'Now',
    'overview.monitors': 'STAR\'s follow-up', 'overview.switches': 'Caseworker switches',
    'overview.waits': 'Waiting from referral to offer', 'overview.none': 'No cases in the selection.',
    'col.jobcentre': 'Jobcentre', 'col.rule_set': 'Rule set', 'col.requirement': 'Requirement',
    'col.cases': 'Cases', 'col.met': 'On time', 'col.met_late': 'Late',
    'col.overdue': 'Overdue', 'col.due': 'Due', 'col.share': 'Share on time',
    'col.measure': 'Target / flag', 'col.month': 'Month', 'col.open': 'Open cases',
    'col.local_share': 'Local targets', 'col.planned': 'Planned', 'col.unplanned': 'Unplanned',
    'col.case_years': 'Case-years', 'col.per_case_year': 'Unplanned per case-year',
    'col.offer_kind': 'Offer', 'col.provider': 'Provider', 'col.started': 'Started',
    'col.mean': 'Mean days', 'col.median': 'Median', 'col.p90': '90th', 'col.max': 'Max',
    'col.waiting': 'Waiting', 'col.run': 'Months under in a row', 'col.triggered': 'Condition holds',
    'col.case': 'Case', 'col.citizen': 'Citizen', 'col.caseworker': 'Caseworker', 'col.team': 'Team',
    'col.target_group': 'Target group', 'col.status': 'Status', 'col.deadline': 'Deadline',
    'col.days_left': 'Working days left', 'col.met_on': 'Met on', 'col.event': 'Event',
    'col.source': 'Source', 'col.item': 'Item', 'col.occurred': 'Occurred', 'col.recorded': 'Recorded',
    'col.kind': 'Kind', 'col.version': 'Version',
    'csv': 'Download CSV', 'print': 'Print', 'yes': 'yes', 'no': 'no', 'flagged': 'flagged',
    'target.met': 'target met', 'target.missed': 'target missed',
    'worklist.title': 'What falls due', 'worklist.pick': 'Choose a team or a caseworker.',
    'worklist.total': 'Items {from}-{to} of {total}', 'worklist.none': 'Nothing falls due.',
    'worklist.beyond': 'No items on this page; the list has {total}.',
    'page.previous': 'Previous page', 'page.next': 'Next page', 'page.first': 'First page',
    'case.title': 'Case {id}', 'case.verdicts': 'Requirements and verdicts', 'case.timeline': 'Events',
    'legend.statutory': 'Statutory', 'legend.local': 'Local targets',
    'status.MET': 'met', 'status.MET_LATE': 'met late', 'status.OVERDUE': 'overdue',
    'status.DUE': 'due', 'status.NOT_APPLICABLE': 'not applicable', 'status.COUNTS': 'counts',
    'status.DOES_NOT_COUNT': 'does not count', 'status.EXEMPTED': 'exempted',
    'cases.title': 'The cases behind the figure', 'cases.changed': 'Verdicts changed since {then}',
    'cases.total': '{cases} cases, {rows} rows in all.', 'cases.none': 'No cases.',
    'cases.all': 'Show all',
    'cases.pinned': 'Pages are read as known at {known_at}, so that they fit together.',
    'overview.changed': 'Cases whose verdicts changed', 'col.then': 'Then',
  },
};

// The shipped rule sets' requirements in Danish, the users' words
// (jobsamtale, tilbud, revurdering); a rule set loaded without one here
// shows its own title.
const DANISH_TITLES = {
  'dk-lab-2016/interview-schedule': 'En jobsamtale i hver 4-ugersperiode de første 26 uger',
  'dk-lab-2016/joint-interviews': '1. og 5. jobsamtale holdt fælles med a-kassen',
  'dk-lab-2016/first-active-offer': 'Første aktive tilbud startet (ret og pligt)',
  'dk-lab-2016/first-interview': 'Første jobsamtale senest en uge efter første kontakt',
  'dk-lab-2016/interview-count': 'Mindst 4 jobsamtaler i hver 12 måneder',
  'dk-lab-2016/first-follow-up': 'Første opfølgningssamtale inden udgangen af uge 8',
  'dk-lab-2016/follow-up-cadence': 'Opfølgningssamtaler højst 4 uger fra hinanden efter den første',
  'dk-lab-2016/review': 'Revurdering senest i uge 22',
  'dk-lab-2020/a-dagpenge-interview-count': 'Mindst 4 jobsamtaler de første 6 måneder',
  'dk-lab-2020/joint-interviews': 'Mindst 2 fælles jobsamtaler med a-kassen de første 6 måneder',
  'dk-lab-2020/first-active-offer': 'Første aktive tilbud startet inden 6 måneder',
  'dk-lab-2020/kontanthjaelp-first-interview': 'Første jobsamtale senest en uge efter første kontakt',
  'dk-lab-2020/kontanthjaelp-interview-count': 'Mindst 4 jobsamtaler de første 6 måneder',
  'dk-lab-2020/sygedagpenge-first-interview': 'Første opfølgningssamtale inden udgangen af uge 8',
  'dk-lab-2020/sygedagpenge-interview-count': 'Mindst 4 opfølgningssamtaler de første 6 måneder',
  'dk-lab-2024/a-kasse-first-interview': 'A-kassen holder første samtale senest 2 uger efter tilmelding',
  'dk-lab-2024/a-kasse-interview-count': 'A-kassen holder mindst 3 samtaler de første 3 måneder',
  'dk-lab-2024/jobcentre-interview-count': 'Jobcentret holder mindst 3 jobsamtaler efter de første 3 måneder og inden 6',
  'dk-lab-2024/jobcentre-interview-count-referred': 'Henvist direkte til jobcentret: mindst 6 jobsamtaler de første 6 måneder',
  'dk-lab-2024/joint-interview-16-months': 'En fælles jobsamtale med a-kassen efter 6 og inden 16 måneder',
  'dk-lab-2024/first-active-offer': 'Ret og pligt-tilbud startet inden 6 måneder (ikke øvrig vejledning og opkvalificering)',
  'dk-lab-2024/first-interview': 'Første jobsamtale senest en uge efter første kontakt',
  'dk-lab-2024/interview-count': 'Mindst 4 jobsamtaler i jobcentret de første 6 måneder',
  'dk-lab-2024/sygedagpenge-first-interview': 'Første opfølgningssamtale inden udgangen af uge 8',
  'dk-lab-2024/sygedagpenge-interview-count': 'Mindst 4 opfølgningssamtaler de første 6 måneder',
  'dk-lab-2026/a-kasse-first-interview': 'A-kassen holder første samtale senest 2 uger efter tilmelding',
  'dk-lab-2026/a-kasse-interview-target': 'A-kassen holder mindst 2 samtaler de første 3 måneder, for mindst 75 %',
  'dk-lab-2026/jobcentre-interview-target': 'Jobcentret holder mindst 2 jobsamtaler de første 6 måneder, for mindst 75 %',
  'dk-lab-2026/interview-16-months': 'En jobsamtale i jobcentret efter 6 og inden 16 måneder',
  'dk-lab-2026/first-interview': 'Første jobsamtale senest en uge efter første kontakt',
  'dk-lab-2026/interview-target': 'Mindst 4 jobsamtaler i jobcentret de første 6 måneder, for mindst 75 %',
  'dk-lab-2026/offer-target': 'Et tilbud startet inden 6 måneder, for mindst 75 % (højst 25 % fritaget)',
  'dk-lab-2026/sygedagpenge-first-interview': 'Første opfølgningssamtale inden udgangen af uge 8',
  'dk-lab-2026/sygedagpenge-interview-count': 'Mindst 4 opfølgningssamtaler de første 6 måneder',
  'local-faaborg-2018/service-call': 'Servicesamtale senest 14 dage efter tilmelding',
  'local-faaborg-2018/first-active-offer': 'Første aktive tilbud startet inden uge 13, alle aldre',
  'local-faaborg-2018/interview-count': 'Mindst 6 jobsamtaler de første 26 uger',
  'local-faaborg-2018/interview-cadence': 'Efter uge 26 højst 6 uger mellem jobsamtalerne',
  'local-middelfart-2020/first-interview': 'Første samtale senest 7 arbejdsdage efter modtaget sygemelding',
  'local-middelfart-2020/review': 'Revurdering senest i uge 22',
  'star-followup-2023/four-interviews': 'Mindst 4 jobsamtaler i jobcentret ved 6 måneders anciennitet',
  'star-followup-2023/offer': 'Et tilbud startet ved 6 måneders anciennitet',
  'star-recovery/sygedagpenge-four-interviews': 'Fire samtaler ved 26 ugers anciennitet',
  'star-recovery/a-dagpenge-offer': 'Et aktivt tilbud startet ved 26 ugers anciennitet',
};

// A requirement's title in the page's language.
function requirementTitle(row) {
  if (language !== 'da') return row.title;
  return DANISH_TITLES[`${row.rule_set_id}/${row.requirement_id}`] ?? row.title;
}

const TARGET_GROUPS = [
  'A_DAGPENGE', 'SYGEDAGPENGE', 'KONTANTHJAELP_JOBPARAT', 'KONTANTHJAELP_AKTIVITETSPARAT',
  'UDDANNELSESHJAELP', 'JOBAFKLARING', 'RESSOURCEFORLOEB', 'LEDIGHEDSYDELSE', 'REVALIDERING',
];
// A case's events shown at most; the API's own limit is larger.
const LIST_LIMIT = 500;
// Worklist items a page; the address's per_page (10-500) overrides it.
const WORKLIST_PAGE = 100;
// How far a worklist can be paged: offset + limit within the API's 10000.
const WORKLIST_ITEMS_MAX = 10000;
// The trend's span by default, and at most (five years of month ends).
const MONTHS_IN_TREND = 12;
const MONTHS_IN_TREND_MAX = 60;
// Cases on one page of a drill-down (ListCases allows up to 500), and in
// the overview's list of changed verdicts.
const CASES_PAGE = 50;
const CHANGED_PREVIEW = 20;

let language = localStorage.getItem('caseline.language') === 'en' ? 'en' : 'da';

function t(key, values = {}) {
  const text = TEXT[language][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

// An element with attributes and children (strings become text, never HTML).
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The page and its parameters, from the address: #/overview?as_of=...
function currentRoute() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  return { path: path || '/overview', params: new URLSearchParams(query || '') };
}

// Appends nodes and lists of nodes (a table comes with its tools).
function add(parent, ...children) {
  parent.append(...children.flat(Infinity).filter((child) => child !== null));
}

function go(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  location.hash = `${path}?${query}`;
}

class ApiError extends Error {}

// Aborted when the page is drawn anew: the calls of the page left behind
// end (the server cancels them), and hold no place among the population
// answers running.
let pageCalls = new AbortController();

// The server runs a few population answers at once and refuses more with
// RESOURCE_EXHAUSTED (429), asking to retry shortly: a page that asks for
// several at once, while the calls of the page before still end, retries
// this many times, waiting a little longer each time.
const BUSY_RETRIES = 5;
const BUSY_WAIT_MS = 200;

// One call of the JSON API: POST with the request message as JSON.
async function api(path, request) {
  const headers = { 'Content-Type': 'application/json' };
  const token = sessionStorage.getItem('caseline.token');
  if (token) headers.Authorization = `Bearer ${token}`;
  const { signal } = pageCalls;
  for (let attempt = 1; ; ++attempt) {
    const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(request),
      signal });
    const answer = await response.json();
    // Only the refusal of a full house passes; a locked-out token or an
    // oversized case does not, and is shown at once.
    if (response.status === 429 && attempt <= BUSY_RETRIES &&
        String(answer.message).includes('the most at once')) {
      // Calls refused together do not all come back together.
      const wait = BUSY_WAIT_MS * attempt * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, wait));
      signal.throwIfAborted();
      continue;
    }
    if (!response.ok) throw new ApiError(`${answer.code}: ${answer.message}`);
    return answer;
  }
}

const number = (value) => Number(value ?? 0);
const share = (value) => `${(number(value) * 100).toFixed(1)} %`;
const targetGroupName = (value) => String(value ?? '').replace(/^TARGET_GROUP_/, '');
const statusName = (value) => String(value ?? '').replace(/^COMPLIANCE_STATUS_/, '');

// A table of `rows` (arrays of cells: a string, a number, or a Node), with a
// CSV download of what it shows.
function table(name, headings, rows, rowAttributes = () => ({})) {
  // A count drawn as a link (a drill-down) is still a number.
  const isNumber = (cell) => typeof cell === 'number' ||
    (cell instanceof Element && cell.dataset.number !== undefined);
  const numeric = headings.map((_, i) => rows.length > 0 && rows.every((row) => isNumber(row[i])));
  const node = el('table', { 'data-table': name },
    el('thead', {}, el('tr', {}, headings.map((heading, i) =>
      el('th', { class: numeric[i] ? 'number' : null }, heading)))),
    el('tbody', {}, rows.map((row, r) => el('tr', rowAttributes(r),
      row.map((cell, i) => el('td', { class: numeric[i] ? 'number' : null }, cell))))));
  const csv = () => {
    // A text cell that a spreadsheet would take for a formula (a name from a
    // case system can begin with =, +, - or @) is kept as text.
    const quote = (value) => {
      const text = String(value);
      const safe = typeof value !== 'number' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
      return `"${safe.replace(/"/g, '""')}"`;
    };
    const lines = [headings, ...rows.map((row) => row.map(
      (cell) => cell instanceof Node ? cell.textContent : cell))];
    // The byte order mark tells spreadsheets the text is UTF-8 (æ, ø, å).
    const blob = new Blob(['\ufeff', lines.map((line) => line.map(quote).join(',')).join('\r\n')],
      { type: 'text/csv;charset=utf-8' });
    const link = el('a', { href: URL.createObjectURL(blob), download: `caseline-${name}.csv` });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  };
  return [node, el('div', { class: 'table-tools' },
    el('button', { type: 'button', onclick: csv }, t('csv')))];
}

function parameters() {
  const { params } = currentRoute();
  return {
    jobcentre: params.get('jobcentre') || '', team: params.get('team') || '',
    caseworker: params.get('caseworker') || '', target_group: params.get('target_group') || '',
    as_of: params.get('as_of') || new Date().toISOString().slice(0, 10),
    known_at: params.get('known_at') || '', days: params.get('days') || '10',
    months: String(Math.min(MONTHS_IN_TREND_MAX,
      Math.max(2, Math.trunc(Number(params.get('months'))) || MONTHS_IN_TREND))),
  };
}

function filterOf(p) {
  const filter = {};
  if (p.jobcentre) filter.jobcentre_ids = [p.jobcentre];
  if (p.team) filter.team_ids = [p.team];
  if (p.caseworker) filter.caseworker_ids = [p.caseworker];
  if (p.target_group) filter.target_groups = [`TARGET_GROUP_${p.target_group}`];
  return filter;
}

// The parameters of the page that a link to another page keeps.
function kept(p) {
  const keep = {};
  for (const name of ['jobcentre', 'team', 'caseworker', 'target_group', 'as_of', 'known_at']) {
    if (p[name]) keep[name] = p[name];
  }
  return keep;
}

const STATUS_COLUMNS = ['MET', 'MET_LATE', 'OVERDUE', 'DUE'];

// A report figure, linked to the cases behind it (ListCases with the same
// filter, the group's jobcentre, the requirement and the column's status).
function figure(count, p, jobcentre, tally, status, knownAt) {
  if (count === '' || count === 0) return count;
  const params = { ...kept(p), jobcentre, rule_set_id: tally.rule_set_id,
    requirement_id: tally.requirement_id, status, known_at: knownAt };
  for (const [name, value] of Object.entries(params)) if (!value) delete params[name];
  return el('a', { href: `#/cases?${new URLSearchParams(params)}`, 'data-number': true,
    'data-cell': `${jobcentre}/${tally.rule_set_id}/${tally.requirement_id}/${status}`,
    'data-known-at': knownAt },
  String(count));
}

function withKnownAt(request, p) {
  if (p.known_at) request.known_at = p.known_at;
  return request;
}

// The footer: what the answer stands on (a case's basis names its events, a
// population answer's its cases).
function showBasis(basis) {
  const footer = document.getElementById('basis');
  footer.dataset.knownAt = basis.known_at;
  footer.textContent = t(basis.case_id ? 'basis.case' : 'basis', {
    as_of: basis.as_of, known_at: basis.known_at, position: basis.last_position,
    cases: number(basis.cases_counted), events: number(basis.events_counted),
  });
}

// Month ends from `months` - 1 months before as_of's month, and as_of
// itself (never a day after the one judged).
function trendWindow(asOf, months) {
  const [year, month] = asOf.split('-').map(Number);
  const monthEnd = (y, m) => new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  return { from: monthEnd(year, month - months + 1), to: asOf };
}

// An RFC 3339 instant in UTC ("...:05Z", "...:05.5Z") as text that sorts as
// the instants do: the fraction padded to nine digits.
function instantKey(instant) {
  const match = /^(.*?:\d\d)(?:\.(\d+))?Z$/.exec(instant);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z` : instant;
}

// A line chart of the trend's shares on time (0-100 %), one point a month.
function trendChart(points) {
  const width = 720, height = 220, left = 40, right = 40, top = 10, bottom = 30;
  const x = (i) => left + (points.length < 2 ? 0 : i * (width - left - right) / (points.length - 1));
  const y = (value) => top + (1 - value) * (height - top - bottom);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  const add = (tag, attributes, text) => {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
  };
  for (const level of [0, 0.25, 0.5, 0.75, 1]) {
    add('line', { class: 'grid', x1: left, x2: width - right, y1: y(level), y2: y(level) });
    add('text', { x: 4, y: y(level) + 4 }, `${level * 100} %`);
  }
  points.forEach((point, i) => add('text', { x: x(i) - 14, y: height - 10 }, point.on.slice(0, 7)));
  const line = (values, name) => {
    const path = values.map((value, i) => value === null ? null : `${x(i)},${y(value)}`)
      .filter(Boolean);
    if (path.length > 0) add('polyline', { class: name, points: path.join(' ') });
  };
  line(points.map((p) => number(p.met) + number(p.met_late) + number(p.overdue) > 0
    ? number(p.share_on_time) : null), 'line-statutory');
  line(points.map((p) => number(p.local_judged) > 0 ? number(p.local_share_on_time) : null),
    'line-local');
  return [svg, el('div', { class: 'legend' },
    el('span', {}, t('legend.statutory')), el('span', { class: 'local' }, t('legend.local')))];
}

function measureText(tally) {
  if (tally.target && number(tally.target.measured) > 0) {
    const target = tally.target;
    return `${share(target.share)} (${target.counting}/${number(target.measured) - number(target.exempted)}) ${target.met ? t('target.met') : t('target.missed')}`;
  }
  if (tally.measure && number(tally.measure.cases) > 0) {
    const measure = tally.measure;
    const text = `${share(measure.share_failing)} (${measure.failing}/${measure.cases})`;
    return measure.flagged ? el('span', { class: 'flagged' }, `${text} ${t('flagged')}`) : text;
  }
  return '';
}

async function overview(page, p) {
  const request = withKnownAt({ filter: filterOf(p), as_of: p.as_of,
    group_by: ['GROUP_BY_JOBCENTRE'] }, p);
  const window = trendWindow(p.as_of, Number(p.months));
  // As known at an earlier moment, the figures as known now stand beside
  // them, so that what was reported then and what is known now compare.
  const [report, trend, nowReport] = await Promise.all([
    api('/v1/report', request),
    api('/v1/trend', withKnownAt({ filter: filterOf(p), from: window.from, to: window.to,
      step: 'TREND_STEP_MONTH' }, p)),
    p.known_at ? api('/v1/report', { filter: filterOf(p), as_of: p.as_of,
      group_by: ['GROUP_BY_JOBCENTRE'] }) : null,
  ]);
  page.basis = report.basis;
  if (report.groups.length === 0) {
    add(page, el('p', { class: 'muted' }, t('overview.none')));
    return;
  }
  const key = (jobcentre, tally) => `${jobcentre}/${tally.rule_set_id}/${tally.requirement_id}`;
  const tallies = report.groups.flatMap((group) => group.requirements.map(
    (tally) => ({ jobcentre: group.label.jobcentre_id, tally })));
  const now = new Map((nowReport?.groups ?? []).flatMap((group) => group.requirements.map(
    (tally) => [key(group.label.jobcentre_id, tally), tally])));
  const counts = (tally) => tally
    ? [number(tally.met), number(tally.met_late), number(tally.overdue), number(tally.due)]
    : ['', '', '', ''];
  // The counts, each a link to its cases as known at the moment the figure
  // was read, so that the list is the figure's even as the log grows.
  const figures = (jobcentre, tally, knownAt) => counts(tally).map(
    (count, i) => tally ? figure(count, p, jobcentre, tally, STATUS_COLUMNS[i], knownAt) : count);
  const headings = [t('col.jobcentre'), t('col.rule_set'), t('col.requirement'),
    t('col.cases'), t('col.met'), t('col.met_late'), t('col.overdue'), t('col.due'),
    t('col.share'), t('col.measure')];
  if (nowReport) {
    headings.push(...['col.met', 'col.met_late', 'col.overdue', 'col.due'].map(
      (column) => `${t('col.now')}: ${t(column)}`));
  }
  add(page, el('h2', {}, t('overview.requirements')),
    nowReport ? el('p', { class: 'muted' }, t('overview.compare', {
      then: report.basis.known_at, now: nowReport.basis.known_at })) : null,
    table('requirements', headings,
      tallies.map(({ jobcentre, tally }) => [jobcentre,
        `${tally.rule_set_id}@${tally.rule_set_version}`, requirementTitle(tally), number(tally.cases),
        ...figures(jobcentre, tally, report.basis.known_at), share(tally.share_on_time),
        measureText(tally),
        ...(nowReport ? figures(jobcentre, now.get(key(jobcentre, tally)), nowReport.basis.known_at)
          : [])]),
      (r) => {
        const row = tallies[r];
        const changed = nowReport && counts(row.tally).join() !==
          counts(now.get(key(row.jobcentre, row.tally))).join();
        return { 'data-requirement': key(row.jobcentre, row.tally), class: changed ? 'changed' : null };
      }));
  if (nowReport) await changedVerdicts(page, p, nowReport.basis.known_at);

  add(page, el('h2', {}, t('overview.trend', { months: p.months })), trendChart(trend.points),
    table('trend', [t('col.month'), t('col.open'), t('col.met'), t('col.met_late'),
      t('col.overdue'), t('col.due'), t('col.share'), t('col.local_share')],
    trend.points.map((point) => [point.on.slice(0, 7), number(point.open_cases),
      number(point.met), number(point.met_late), number(point.overdue), number(point.due),
      share(point.share_on_time),
      number(point.local_judged) > 0 ? share(point.local_share_on_time) : ''])));

  if (report.monitors.length > 0) {
    add(page, el('h2', {}, t('overview.monitors')),
      table('monitors', [t('col.jobcentre'), t('col.requirement'), t('col.month'),
        t('col.share'), t('col.run'), t('col.triggered')],
      report.monitors.map((monitor) => {
        const last = monitor.months[monitor.months.length - 1];
        return [monitor.jobcentre_id, requirementTitle(monitor), last ? last.month : '',
          last ? share(last.share) : '', monitor.run,
          monitor.triggered ? el('span', { class: 'flagged' }, t('yes')) : t('no')];
      })));
  }
  add(page, el('h2', {}, t('overview.switches')),
    table('switches', [t('col.jobcentre'), t('col.planned'), t('col.unplanned'),
      t('col.case_years'), t('col.per_case_year')],
    report.groups.map((group) => [group.label.jobcentre_id,
      number(group.switches.planned), number(group.switches.unplanned),
      number(group.switches.case_years).toFixed(1),
      number(group.switches.unplanned_per_case_year).toFixed(2)])));
  const waits = report.groups.flatMap((group) => group.waits.map(
    (wait) => ({ jobcentre: group.label.jobcentre_id, wait })));
  add(page, el('h2', {}, t('overview.waits')),
    table('waits', [t('col.jobcentre'), t('col.offer_kind'), t('col.provider'),
      t('col.started'), t('col.mean'), t('col.median'), t('col.p90'), t('col.max'),
      t('col.waiting')],
    waits.map(({ jobcentre, wait }) => [jobcentre,
      String(wait.offer_kind).replace(/^OFFER_KIND_/, ''), wait.provider, number(wait.started),
      number(wait.mean_days).toFixed(1), number(wait.median_days).toFixed(1),
      number(wait.p90_days), number(wait.max_days), number(wait.waiting)])));
}

// The rows whose verdict as known at p.known_at differs from the one as
// known at `now` (the instant the "now" figures were read at).
async function changedVerdicts(page, p, now) {
  add(page, el('h2', {}, t('overview.changed')));
  let answer;
  try {
    answer = await api('/v1/cases', { filter: filterOf(p), as_of: p.as_of, known_at: now,
      compare_known_at: p.known_at, page_size: CHANGED_PREVIEW });
  } catch (error) {
    // The figures above stand; only this list is missing.
    if (!(error instanceof ApiError)) throw error;
    add(page, el('p', { class: 'error', 'data-error': 'changed' }, error.message));
    return;
  }
  add(page,
    el('p', { class: 'muted' }, t('cases.total', { cases: number(answer.cases_total),
      rows: number(answer.rows_total) }), ' ',
    answer.next_after_case_id ? el('a', { href: `#/cases?${new URLSearchParams(
      { ...kept(p), now })}`, 'data-all-changed': true }, t('cases.all')) : null),
    caseRows('changed', answer.rows, p, now));
}

// Rows of ListCases as a table; `now`, when set, is the instant they were
// read as known at, compared with p.known_at: the status then stands
// beside them, and a case opens as known now.
function caseRows(name, rows, p, now) {
  const compared = Boolean(now);
  const linked = compared ? { ...p, known_at: now } : p;
  const status = (value) => value && statusName(value) !== 'UNSPECIFIED'
    ? el('span', { class: `status-${statusName(value)}`, 'data-status': statusName(value) },
      t(`status.${statusName(value)}`))
    : '';
  const headings = [t('col.case'), t('col.jobcentre'), t('col.team'), t('col.caseworker'),
    t('col.target_group'), t('col.requirement'), t('col.item'), t('col.status'),
    t('col.deadline'), t('col.met_on')];
  if (compared) {
    headings.push(...['col.status', 'col.deadline', 'col.met_on'].map(
      (column) => `${t('col.then')}: ${t(column)}`));
  }
  return table(name, headings, rows.map((row) => [caseLink(row.case_id, linked), row.jobcentre_id,
    row.team_id, row.caseworker_id, targetGroupName(row.target_group), requirementTitle(row), row.item,
    status(row.status), row.deadline_on, row.met_on,
    ...(compared ? [status(row.compare_status), row.compare_deadline_on, row.compare_met_on] : [])]),
  (r) => ({ 'data-case': rows[r].case_id,
    'data-row': `${rows[r].case_id}/${rows[r].rule_set_id}/${rows[r].requirement_id}/${rows[r].period_index}` }));
}

// The cases behind a figure of the overview (rule_set_id, requirement_id,
// status) or, with `now`, those whose verdicts as known at known_at differ
// from those as known at `now`; a page at a time, `after` the last case of
// the page before.
async function casesPage(page, p, params) {
  const compared = Boolean(params.get('now')) && Boolean(p.known_at);
  // The address's per_page (5-500) overrides the page's size.
  const perPage = Math.min(500, Math.max(5, Math.trunc(Number(params.get('per_page')))
    || CASES_PAGE));
  const request = { filter: filterOf(p), as_of: p.as_of, page_size: perPage };
  if (compared) {
    request.known_at = params.get('now');
    request.compare_known_at = p.known_at;
  } else {
    withKnownAt(request, p);
    if (params.get('rule_set_id')) {
      request.rule_set_id = params.get('rule_set_id');
      request.requirement_id = params.get('requirement_id') || '';
    }
    if (params.get('status')) request.statuses = [`COMPLIANCE_STATUS_${params.get('status')}`];
  }
  if (params.get('after')) request.after_case_id = params.get('after');
  page.setAttribute('data-after', params.get('after') || '');
  const answer = await api('/v1/cases', request);
  page.basis = answer.basis;
  const title = compared ? t('cases.changed', { then: p.known_at }) : t('cases.title');
  const cell = [params.get('jobcentre'), params.get('requirement_id'),
    params.get('status') ? t(`status.${params.get('status')}`) : ''].filter(Boolean).join(' · ');
  add(page, el('h2', {}, title), cell ? el('p', { 'data-cell-title': true }, cell) : null,
    el('p', { class: 'muted', 'data-total': `${number(answer.cases_total)}/${number(answer.rows_total)}` },
      t('cases.total', { cases: number(answer.cases_total), rows: number(answer.rows_total) })));
  if (answer.rows.length === 0) {
    add(page, el('p', { class: 'muted' }, t('cases.none')));
    return;
  }
  add(page, caseRows('cases', answer.rows, p, compared ? answer.basis.known_at : ''));
  // Every page is read as known at the first one's moment, so that the
  // pages fit together while the log grows.
  const next = new URLSearchParams(params);
  next.set('as_of', answer.basis.as_of);
  if (compared) next.set('now', answer.basis.known_at);
  else next.set('known_at', answer.basis.known_at);
  const first = new URLSearchParams(next);
  first.delete('after');
  next.set('after', answer.next_after_case_id || '');
  add(page, el('div', { class: 'table-tools' },
    params.get('after') ? el('a', { class: 'button', href: `#/cases?${first}` }, t('page.first')) : null,
    answer.next_after_case_id
      ? el('a', { class: 'button', href: `#/cases?${next}`, 'data-next': true }, t('page.next'))
      : null),
  answer.next_after_case_id
    ? el('p', { class: 'muted' }, t('cases.pinned', { known_at: answer.basis.known_at }))
    : null);
}

function caseLink(caseId, p) {
  return el('a', { href: `#/case?${new URLSearchParams({ id: caseId, as_of: p.as_of,
    ...(p.known_at ? { known_at: p.known_at } : {}) })}` }, caseId);
}

async function worklist(page, p) {
  add(page, el('h2', {}, t('worklist.title')));
  if (!p.team && !p.caseworker) {
    add(page, el('p', { class: 'muted' }, t('worklist.pick')));
    return;
  }
  const { params } = currentRoute();
  const perPage = Math.min(500, Math.max(10, Math.trunc(Number(params.get('per_page')))
    || WORKLIST_PAGE));
  const offset = Math.max(0, Math.trunc(Number(params.get('offset'))) || 0);
  const request = withKnownAt({ as_of: p.as_of,
    horizon_working_days: Math.min(240, Math.max(1, Math.trunc(Number(p.days)) || 10)),
    limit: perPage,
    offset }, p);
  if (p.jobcentre) request.jobcentre_id = p.jobcentre;
  if (p.team) request.team_id = p.team;
  if (p.caseworker) request.caseworker_id = p.caseworker;
  if (p.target_group) request.target_groups = [`TARGET_GROUP_${p.target_group}`];
  const answer = await api('/v1/worklist', request);
  page.basis = answer.basis;
  page.setAttribute('data-offset', String(offset));
  const items = answer.items;
  const total = number(answer.total);
  if (total === 0) {
    add(page, el('p', { class: 'muted' }, t('worklist.none')));
    return;
  }
  // The pages around this one, judged on the same day as known at the same
  // moment.
  const pageLink = (to, label, hook) => {
    const query = new URLSearchParams(params);
    query.set('as_of', answer.basis.as_of);
    query.set('known_at', answer.basis.known_at);
    query.set('offset', String(to));
    return el('a', { class: 'button', href: `#/worklist?${query}`, [hook]: true }, label);
  };
  // The server lists at most WORKLIST_ITEMS_MAX items, pages and all.
  const more = offset + items.length < total &&
    offset + items.length + perPage <= WORKLIST_ITEMS_MAX;
  add(page, el('p', { class: 'muted', 'data-total': String(total) },
    items.length > 0
      ? t('worklist.total', { from: offset + 1, to: offset + items.length, total })
      : t('worklist.beyond', { total })),
  table('worklist', [t('col.status'), t('col.deadline'), t('col.days_left'), t('col.case'),
    t('col.caseworker'), t('col.team'), t('col.target_group'), t('col.requirement'),
    t('col.item')],
  items.map((item) => [
    el('span', { class: `status-${statusName(item.status)}` }, t(`status.${statusName(item.status)}`)),
    item.deadline_on, number(item.working_days_left), caseLink(item.case_id, p),
    item.caseworker_id, item.team_id, targetGroupName(item.target_group), requirementTitle(item),
    item.item]),
  (r) => ({ 'data-row': `${items[r].case_id}/${items[r].rule_set_id}/${items[r].requirement_id}/${items[r].item}` })),
  el('div', { class: 'table-tools' },
    offset > 0 ? pageLink(Math.max(0, offset - perPage), t('page.previous'), 'data-previous') : null,
    more ? pageLink(offset + items.length, t('page.next'), 'data-next') : null,
    items.length === 0 ? pageLink(0, t('page.first'), 'data-first') : null,
    el('button', { type: 'button', onclick: () => window.print() }, t('print'))));
}

async function casePage(page, p, caseId) {
  const request = withKnownAt({ case_id: caseId, as_of: p.as_of }, p);
  const [compliance, events] = await Promise.all([
    api(`/v1/cases/${encodeURIComponent(caseId)}/compliance`, request),
    api(`/v1/cases/${encodeURIComponent(caseId)}/events`, { max_count: LIST_LIMIT }),
  ]);
  page.basis = compliance.basis;
  add(page, el('h2', {}, t('case.title', { id: caseId })));
  if (compliance.note) add(page, el('p', { class: 'muted' }, compliance.note));
  const rows = compliance.results.filter((row) => statusName(row.status) !== 'NOT_APPLICABLE');
  add(page, el('h2', {}, t('case.verdicts')),
    table('verdicts', [t('col.rule_set'), t('col.requirement'), t('col.item'), t('col.status'),
      t('col.deadline'), t('col.met_on'), t('col.event'), t('col.source')],
    rows.map((row) => [`${row.rule_set_id}@${row.rule_set_version}`, requirementTitle(row), row.item,
      el('span', { class: `status-${statusName(row.status)}`, 'data-status': statusName(row.status) },
        t(`status.${statusName(row.status)}`)),
      row.deadline_on, row.met_on, row.event_ids.join(' '),
      [row.source.law, row.source.decision].filter(Boolean).join('; ')]),
    (r) => ({ 'data-row': `${rows[r].rule_set_id}/${rows[r].requirement_id}/${rows[r].item}/${rows[r].period_index}` })));
  const knownAt = compliance.basis.known_at;
  add(page, el('h2', {}, t('case.timeline')),
    table('events', [t('col.version'), t('col.occurred'), t('col.recorded'), t('col.kind'),
      t('col.event')],
    events.events.filter((event) => instantKey(event.recorded_at) <= instantKey(knownAt))
      .map((event) => [number(event.case_version), event.occurred_on, event.recorded_at,
        Object.keys(event).find((key) => typeof event[key] === 'object' && key !== 'recorded_at') ?? '',
        event.event_id])));
}

let renders = 0;  // A newer render replaces the page; an older one does not.

// Fills the controls from the address and draws the page it names.
async function render() {
  const generation = ++renders;
  const { path, params } = currentRoute();
  const p = parameters();
  const form = document.getElementById('controls');
  for (const name of ['team', 'caseworker', 'as_of', 'known_at', 'days', 'months']) {
    form.elements[name].value = p[name];
  }
  form.elements.target_group.value = p.target_group;
  const jobcentres = document.getElementById('jobcentre');
  if (![...jobcentres.options].some((option) => option.value === p.jobcentre)) {
    jobcentres.append(el('option', { value: p.jobcentre }, p.jobcentre));
  }
  jobcentres.value = p.jobcentre;
  document.body.classList.toggle('worklist', path === '/worklist');
  document.body.classList.toggle('overview', path === '/overview');
  const page = document.getElementById('page');
  page.replaceChildren(el('p', { class: 'muted' }, t('loading')));
  document.getElementById('basis').textContent = '';
  pageCalls.abort();
  pageCalls = new AbortController();
  const content = el('div', { 'data-page': path.slice(1) });
  try {
    if (path === '/worklist') await worklist(content, p);
    else if (path === '/case') await casePage(content, p, params.get('id') || '');
    else if (path === '/cases') await casesPage(content, p, params);
    else await overview(content, p);
    content.setAttribute('data-ready', 'true');
    // Milliseconds from the page's load to this page drawn (for the tests).
    content.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  } catch (error) {
    content.replaceChildren(el('p', { class: 'error', 'data-error': 'true' },
      error instanceof ApiError ? error.message : String(error)));
    content.setAttribute('data-ready', 'error');
  }
  // An older render that ends late changes nothing on screen.
  if (generation !== renders) return;
  page.replaceChildren(content);
  if (content.basis) showBasis(content.basis);
}

// The jobcentres the caller may see, from a report grouped by jobcentre.
async function loadJobcentres() {
  const select = document.getElementById('jobcentre');
  try {
    const report = await api('/v1/report', { group_by: ['GROUP_BY_JOBCENTRE'] });
    // The choice on screen stays until the new options are all there.
    const chosen = parameters().jobcentre;
    const ids = [...new Set([...report.groups.map((group) => group.label.jobcentre_id),
      ...(chosen ? [chosen] : [])])];
    select.replaceChildren(el('option', { value: '' }, t('all')),
      ids.map((id) => el('option', { value: id }, id)));
    select.value = chosen;
  } catch (error) {
    // The page itself shows the error (a missing token, say).
  }
}

function translate() {
  document.documentElement.lang = language;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  document.getElementById('language').textContent = t('language');
  const groups = document.querySelector('#controls select[name=target_group]');
  const chosen = groups.value;
  groups.replaceChildren(el('option', { value: '' }, t('all')),
    TARGET_GROUPS.map((group) => el('option', { value: group }, group)));
  groups.value = chosen;
}

function start() {
  translate();
  document.getElementById('jobcentre').append(el('option', { value: '' }, t('all')));
  const token = document.getElementById('token');
  token.value = sessionStorage.getItem('caseline.token') || '';
  const useToken = (event) => {
    event?.preventDefault();
    sessionStorage.setItem('caseline.token', token.value.trim());
    render().then(loadJobcentres);
  };
  token.addEventListener('change', useToken);
  document.getElementById('token-form').addEventListener('submit', useToken);
  document.getElementById('language').addEventListener('click', () => {
    language = language === 'da' ? 'en' : 'da';
    localStorage.setItem('caseline.language', language);
    translate();
    render();
  });
  document.getElementById('controls').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.target;
    const values = Object.fromEntries(['jobcentre', 'team', 'caseworker', 'target_group',
      'as_of', 'known_at', 'days', 'months'].map((name) => [name, form.elements[name].value.trim()]));
    const { path, params } = currentRoute();
    if (path === '/case') values.id = params.get('id');
    // A list of cases keeps what it lists; a new filter starts it again.
    if (path === '/cases') {
      for (const name of ['rule_set_id', 'requirement_id', 'status', 'now']) {
        values[name] = params.get(name);
      }
    }
    go(path, values);
  });
  document.getElementById('case-search').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = document.getElementById('case-id').value.trim();
    if (id) go('/case', { ...parameters(), id });
  });
  window.addEventListener('hashchange', render);
  // One population answer at a time from this page: the page first.
  render().then(loadJobcentres);
}

start();
