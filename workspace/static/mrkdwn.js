// Slack mrkdwn to HTML: *bold*, _italic_, ~strike~, `code`, ```pre```, > quotes, <links>,
// <@user>, <#channel|name>, <!date^...> in the browser's time zone, :emoji:, newlines.
"use strict";

const Mrkdwn = (() => {
  // Drawn as small badges from plain symbols, so they read the same without an emoji font.
  const EMOJI = {
    white_check_mark: ["✓", "#2bac76"], heavy_check_mark: ["✓", "#2bac76"], x: ["✕", "#e01e5a"],
    hourglass_flowing_sand: ["◷", "#e8912d"], hourglass: ["◷", "#e8912d"], speech_balloon: ["?", "#1d9bd1"],
    question: ["?", "#1d9bd1"], no_entry_sign: ["⊘", "#e01e5a"], package: ["▣", "#9c6b3e"],
    tada: ["★", "#ecb22e"], large_blue_circle: ["●", null, "#1d9bd1"], white_circle: ["○", null, "#616061"],
    large_green_circle: ["●", null, "#2bac76"], red_circle: ["●", null, "#e01e5a"],
    large_yellow_circle: ["●", null, "#ecb22e"], heavy_minus_sign: ["−", null, "#616061"],
    mag: ["i", "#1d9bd1"], information_source: ["i", "#1d9bd1"], warning: ["!", "#ecb22e"],
    rotating_light: ["!", "#e01e5a"], bell: ["!", "#ecb22e"], memo: ["✎", "#616061"],
    arrow_right: ["→", null, "#1264a3"], point_right: ["→", null, "#1264a3"], wave: ["☺", "#ecb22e"],
    bar_chart: ["▥", "#1d9bd1"], chart_with_upwards_trend: ["↗", "#2bac76"], calendar: ["▦", "#616061"],
  };

  function emoji(name) {
    const found = EMOJI[name];
    if (!found) return `:${name}:`;
    const [symbol, background, color] = found;
    const style = background ? `background:${background}` : `color:${color};background:none`;
    return `<span class="emoji" title=":${name}:" style="${style}">${symbol}</span>`;
  }

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  // Only web and mail addresses become links: a javascript: or data: target would run in the
  // page. Parsed as the browser will read it, so spaces, tabs or entities cannot sneak one in.
  const LINK_PROTOCOLS = ["http:", "https:", "mailto:"];

  function safeHref(url) {
    let parsed;
    try {
      parsed = new URL(String(url));
    } catch {
      return null;
    }
    return LINK_PROTOCOLS.includes(parsed.protocol) ? parsed.href : null;
  }

  function unescapeSlack(text) {
    return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function ordinal(n) {
    const s = ["th", "st", "nd", "rd"], v = n % 100;
    return n + (s[(v - 20) % 10] || s[v] || s[0]);
  }

  function dayDiff(date) {
    const start = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    return Math.round((start(date) - start(new Date())) / 86400000);
  }

  function pretty(date, fallback) {
    const diff = dayDiff(date);
    if (diff === 0) return "today";
    if (diff === -1) return "yesterday";
    if (diff === 1) return "tomorrow";
    return fallback;
  }

  // Slack's date tokens, rendered in the reader's (the browser's) time zone.
  function formatDate(epoch, format) {
    const date = new Date(epoch * 1000);
    const month = (style) => date.toLocaleString("en-US", { month: style });
    const year = date.getFullYear();
    const weekday = date.toLocaleString("en-US", { weekday: "long" });
    const tokens = {
      date_num: `${year}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`,
      date: `${month("long")} ${ordinal(date.getDate())}, ${year}`,
      date_short: `${month("short")} ${date.getDate()}, ${year}`,
      date_long: `${weekday}, ${month("long")} ${ordinal(date.getDate())}, ${year}`,
      time: date.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" }),
      time_secs: date.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit", second: "2-digit" }),
    };
    tokens.date_pretty = pretty(date, tokens.date);
    tokens.date_short_pretty = pretty(date, tokens.date_short);
    tokens.date_long_pretty = pretty(date, tokens.date_long);
    tokens.ago = relative(date);
    return format.replace(/\{(\w+)\}/g, (all, name) => (name in tokens ? tokens[name] : all));
  }

  function relative(date) {
    const seconds = Math.round((Date.now() - date.getTime()) / 1000);
    const units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60]];
    for (const [name, size] of units) {
      const n = Math.floor(Math.abs(seconds) / size);
      if (n >= 1) return seconds >= 0 ? `${n} ${name}${n > 1 ? "s" : ""} ago` : `in ${n} ${name}${n > 1 ? "s" : ""}`;
    }
    return "just now";
  }

  function token(inner, ctx) {
    const [target, label] = splitOnce(inner, "|");
    if (target.startsWith("!date^")) {
      const parts = target.split("^");
      const epoch = Number(parts[1]);
      const text = formatDate(epoch, unescapeSlack(parts[2] || "{date_short} {time}"));
      const link = parts[3] && unescapeSlack(parts[3]);
      const title = escapeHtml(new Date(epoch * 1000).toString());
      const html = `<time datetime="${new Date(epoch * 1000).toISOString()}" title="${title}">${escapeHtml(text)}</time>`;
      return link ? `<a href="${escapeHtml(safeHref(link) || "#")}" target="_blank" rel="noopener">${html}</a>` : html;
    }
    if (target.startsWith("@")) {
      const name = label || (ctx.userName ? ctx.userName(target.slice(1)) : target.slice(1));
      return `<span class="mention">@${escapeHtml(unescapeSlack(name))}</span>`;
    }
    if (target.startsWith("#")) {
      return `<span class="mention">#${escapeHtml(unescapeSlack(label || target.slice(1)))}</span>`;
    }
    if (target.startsWith("!")) {
      return `<span class="mention">@${escapeHtml(target.slice(1).split("^")[0])}</span>`;
    }
    const url = unescapeSlack(target);
    return `<a href="${escapeHtml(safeHref(url) || "#")}" target="_blank" rel="noopener">${escapeHtml(unescapeSlack(label || url))}</a>`;
  }

  function splitOnce(text, sep) {
    const at = text.indexOf(sep);
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  }

  // Placeholders keep links, mentions and code out of the emphasis rules.
  function toHtml(text, ctx = {}) {
    const held = [];
    const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
    let src = String(text || "");
    src = src.replace(/```([\s\S]*?)```/g, (m, code) => hold(`<pre>${escapeHtml(unescapeSlack(code.replace(/^\n/, "")))}</pre>`));
    src = src.replace(/`([^`\n]+)`/g, (m, code) => hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
    src = src.replace(/<([^<>\n]+)>/g, (m, inner) => hold(token(inner, ctx)));
    let html = escapeHtml(unescapeSlack(src));
    const edge = "(^|[\\s(\\u0000>\\-~*_])";
    const end = "(?=$|[\\s).,!?:;'\"\\u0000<\\-~*_])";
    html = html.replace(new RegExp(`${edge}\\*(?!\\s)([^*\\n]+?)\\*${end}`, "g"), "$1<b>$2</b>");
    html = html.replace(new RegExp(`${edge}_(?!\\s)([^_\\n]+?)_${end}`, "g"), "$1<i>$2</i>");
    html = html.replace(new RegExp(`${edge}~(?!\\s)([^~\\n]+?)~${end}`, "g"), "$1<s>$2</s>");
    html = html.replace(/:([a-z0-9_+-]+):/g, (m, name) => emoji(name));
    html = html
      .split("\n")
      .map((line) => (line.startsWith("&gt;") ? `<blockquote>${line.slice(4).replace(/^ /, "")}</blockquote>` : line))
      .join("\n")
      .replace(/<\/blockquote>\n<blockquote>/g, "<br>")
      .replace(/\n/g, "<br>");
    return html.replace(/\u0000(\d+)\u0000/g, (m, i) => held[Number(i)]);
  }

  function plain(text) {
    return escapeHtml(unescapeSlack(String(text || ""))).replace(/:([a-z0-9_+-]+):/g, (m, name) => emoji(name)).replace(/\n/g, "<br>");
  }

  return { toHtml, plain, escapeHtml, formatDate, safeHref };
})();
