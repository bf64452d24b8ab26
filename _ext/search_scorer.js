/* The site search's scorer (html_search_scorer in _config.yml; Sphinx inlines it into language_data.js).
 *
 * Sphinx's searchtools.js scores a glossary term as an index entry: 100 for an exact match, far above a page whose
 * title has the word (15, the same as a page with the word in a section title, ties broken alphabetically). So a
 * search for "momentum" listed the glossary first and Chapter 6 fourth, after Chapter 7 ("Adam: momentum, ...") and
 * the exercises. Here a page whose own title contains every word of the query scores PAGE_TITLE more (above the
 * index entries), a chapter one more than its exercise page; every other result keeps Sphinx's score, so the
 * glossary's definition comes right after the pages named by the query.
 *
 * The fields below are Sphinx's defaults (7.4): searchtools.js uses them when this Scorer is defined.
 */
var Scorer = {
  PAGE_TITLE: 200,
  CHAPTER: 1,

  score: (result) => {
    const [docname, title, _anchor, _descr, score, _filename] = result;
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const words = query.toLowerCase().split(/\s+/).filter((word) => word && !word.startsWith("-"));
    const pageTitle = (title || "").split(" > ")[0].toLowerCase();
    if (words.length === 0 || !words.every((word) => pageTitle.includes(word))) return score;
    return score + Scorer.PAGE_TITLE + (docname.startsWith("chapters/") ? Scorer.CHAPTER : 0);
  },

  // query matches the full name of an object
  objNameMatch: 11,
  // or matches in the last dotted part of the object name
  objPartialMatch: 6,
  // Additive scores depending on the priority of the object
  objPrio: {
    0: 15, // used to be importantResults
    1: 5, // used to be objectResults
    2: -5, // used to be unimportantResults
  },
  //  Used when the priority is not in the mapping.
  objPrioDefault: 0,

  // query found in title
  title: 15,
  partialTitle: 7,
  // query found in terms
  term: 5,
  partialTerm: 2,
};
