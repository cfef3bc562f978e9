// The workspace page: pick who you are, read channels, DMs and App Home, type /buy, fill modals.
// State comes from /_workspace/state (refetched on each Server-Sent Event); every click and
// submit goes through /_workspace/act/*, which the workspace signs and sends to the bot.
"use strict";

(() => {
  const { el } = BlockKit;
  const S = {
    me: null,
    state: null,
    pane: { type: "app", tab: "messages" },
    drafts: {}, // view id -> block id -> action id -> value as typed
    modalKey: null,
    submitted: null, // {id, hash} of the form last submitted, until the bot's answer is drawn
    paneKey: null,
    fetching: null,
    again: false,
  };
  const $ = (id) => document.getElementById(id);

  // ---- talking to the workspace -------------------------------------------------------------

  async function act(kind, args, { quiet = false } = {}) {
    const response = await fetch(`/_workspace/act/${kind}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: S.me, ...args }),
    });
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (response.status === 422 && body && body.errors) {
      await refresh(); // the workspace already put the errors on the view
      return body;
    }
    if (!response.ok || !body || body.ok === false) {
      if (!quiet) toast(`The workspace refused: ${(body && (body.detail || body.error)) || response.status}`);
      return body;
    }
    if (body.status && body.status >= 400 && !quiet) {
      toast(`The bot answered HTTP ${body.status}`);
    }
    refresh();
    return body;
  }

  async function refresh() {
    if (!S.me) return;
    if (S.fetching) {
      S.again = true;
      return S.fetching;
    }
    S.fetching = (async () => {
      try {
        do {
          S.again = false;
          const response = await fetch(`/_workspace/state?user=${encodeURIComponent(S.me)}`);
          if (response.ok) {
            S.state = await response.json();
            render();
          }
        } while (S.again);
      } finally {
        S.fetching = null;
      }
    })();
    return S.fetching;
  }

  function listen() {
    const events = new EventSource("/_workspace/events");
    events.addEventListener("state", (event) => {
      const { version } = JSON.parse(event.data);
      if (!S.state || version !== S.state.version) refresh();
    });
  }

  let toastTimer = null;
  function toast(message) {
    const node = $("toast");
    node.textContent = message;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (node.hidden = true), 5000);
  }

  // ---- people ---------------------------------------------------------------------------------

  function users() {
    return (S.state && S.state.users) || [];
  }

  function user(id) {
    if (S.state && id === S.state.bot.id) return S.state.bot;
    return users().find((u) => u.id === id);
  }

  function displayName(id) {
    const found = user(id);
    return found ? found.real_name || found.name : id;
  }

  const PALETTE = ["#e8912d", "#2bac76", "#1d9bd1", "#e01e5a", "#9f69e7", "#4a154b", "#0b4c8c", "#d64292", "#3aa3e3"];
  function avatar(id) {
    if (S.state && id === S.state.bot.id) return el("div", { class: "avatar bot", "aria-hidden": true }, "P");
    const name = displayName(id) || "?";
    const initials = name.split(/[\s.]+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
    let hash = 0;
    for (const c of id || "") hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    return el("div", { class: "avatar", style: `background:${PALETTE[hash % PALETTE.length]}`, "aria-hidden": true }, initials);
  }

  // ---- drawing --------------------------------------------------------------------------------

  function render() {
    renderWho();
    renderSidebar();
    renderPane();
    renderModal();
  }

  function renderWho() {
    const select = $("who");
    const wanted = users().map((u) => u.id).join(",");
    if (select.dataset.users !== wanted) {
      select.replaceChildren(
        ...users().map((u) => el("option", { value: u.id }, `${u.real_name || u.name}${u.title ? " — " + u.title : ""}`)),
      );
      select.dataset.users = wanted;
    }
    select.value = S.me;
    const me = user(S.me);
    $("me-badge").replaceChildren(avatar(S.me), el("span", {}, me ? me.real_name || me.name : ""));
    $("team-name").textContent = S.state.team.name;
  }

  function navItem(label, active, onclick, { prefix = "", badge = null, count = 0, id } = {}) {
    return el(
      "li",
      { class: active ? "active" : "", dataset: { nav: id } },
      el(
        "button",
        { type: "button", onclick },
        prefix ? el("span", { class: "nav-prefix" }, prefix) : null,
        el("span", { class: "nav-label" }, label),
        badge ? el("span", { class: "app-badge" }, badge) : null,
        count ? el("span", { class: "nav-count" }, String(count)) : null,
      ),
    );
  }

  function renderSidebar() {
    const channels = S.state.channels.filter((c) => !c.is_im);
    $("channels").replaceChildren(
      ...channels.map((c) =>
        navItem(c.name, S.pane.type === "channel" && S.pane.id === c.id, () => open({ type: "channel", id: c.id }), {
          prefix: "#",
          id: `channel-${c.name}`,
        }),
      ),
    );
    $("dms").replaceChildren(
      navItem("Procurebot", S.pane.type === "app" && S.pane.tab === "messages", () => open({ type: "app", tab: "messages" }), {
        prefix: "●",
        badge: "APP",
        id: "dm-procurebot",
      }),
    );
    $("apps").replaceChildren(
      navItem("Procurebot · Home", S.pane.type === "app" && S.pane.tab === "home", () => open({ type: "app", tab: "home" }), {
        prefix: "⌂",
        id: "app-home",
      }),
    );
  }

  function imChannel() {
    return S.state.channels.find((c) => c.is_im && c.user === S.me);
  }

  function open(pane) {
    S.pane = pane;
    S.paneKey = null;
    const hash = pane.type === "channel" ? `channel=${pane.id}` : `app=${pane.tab}`;
    history.replaceState(null, "", `?as=${encodeURIComponent(userRef(S.me))}#${hash}`);
    if (pane.type === "app" && pane.tab === "home") act("home", {}, { quiet: true });
    render();
  }

  function userRef(id) {
    const found = user(id);
    return found ? found.name : id;
  }

  function renderPane() {
    const channel = S.pane.type === "channel" ? S.state.channels.find((c) => c.id === S.pane.id) : imChannel();
    const showHome = S.pane.type === "app" && S.pane.tab === "home";
    const key = JSON.stringify([S.me, S.pane, showHome ? S.state.home : channel ? channel.messages : null]);
    if (key === S.paneKey) return;
    S.paneKey = key;
    renderHeader(channel);
    const body = $("pane-body");
    const nearBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 80;
    if (showHome) {
      $("composer").hidden = true;
      body.replaceChildren(homeView());
      return;
    }
    $("composer").hidden = false;
    $("composer-input").placeholder = S.pane.type === "channel" ? `Message #${channel ? channel.name : ""}` : "Message Procurebot";
    body.replaceChildren(messageList(channel ? channel.messages : []));
    if (nearBottom || body.dataset.pane !== JSON.stringify(S.pane)) body.scrollTop = body.scrollHeight;
    body.dataset.pane = JSON.stringify(S.pane);
  }

  function renderHeader(channel) {
    const header = $("pane-header");
    if (S.pane.type === "channel") {
      header.replaceChildren(
        el("div", { class: "pane-title" }, `# ${channel ? channel.name : ""}`),
        el("div", { class: "pane-sub" }, `${channel ? channel.members.length : 0} members`),
      );
      return;
    }
    const tab = (name, label) =>
      el("button", { type: "button", class: `tab${S.pane.tab === name ? " active" : ""}`, dataset: { tab: name }, onclick: () => open({ type: "app", tab: name }) }, label);
    header.replaceChildren(
      el("div", { class: "pane-title" }, avatar(S.state.bot.id), "Procurebot", el("span", { class: "app-badge" }, "APP")),
      el("div", { class: "tabs" }, tab("home", "Home"), tab("messages", "Messages")),
    );
  }

  function homeView() {
    const view = S.state.home;
    if (!view) return el("div", { class: "empty-pane" }, "Opening App Home…");
    const ctx = context({ surface: "home", view });
    return el("div", { class: "home" }, BlockKit.renderBlocks(view.blocks, ctx));
  }

  function dayLabel(date) {
    const today = new Date();
    const start = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    const diff = Math.round((start(today) - start(date)) / 86400000);
    if (diff === 0) return "Today";
    if (diff === 1) return "Yesterday";
    return date.toLocaleDateString("en-US", { weekday: "long", month: "long", day: "numeric" });
  }

  function messageList(messages) {
    const list = el("div", { class: "messages" });
    if (!messages.length) {
      list.append(el("div", { class: "empty-pane" }, "No messages yet. Type /buy below to ask for something."));
      return list;
    }
    // Replies are shown under their parent, as an open thread (the digest's chart is one).
    const replies = new Map();
    for (const message of messages) {
      if (message.thread_ts && message.thread_ts !== message.ts) {
        if (!replies.has(message.thread_ts)) replies.set(message.thread_ts, []);
        replies.get(message.thread_ts).push(message);
      }
    }
    let lastDay = null;
    for (const message of messages) {
      if (message.thread_ts && message.thread_ts !== message.ts) continue;
      const date = new Date(Number(message.ts) * 1000);
      const day = date.toDateString();
      if (day !== lastDay) {
        list.append(el("div", { class: "day-divider" }, el("span", {}, dayLabel(date))));
        lastDay = day;
      }
      list.append(messageRow(message, date));
      const thread = replies.get(message.ts);
      if (thread) {
        const box = el("div", { class: "thread" });
        for (const reply of thread) box.append(messageRow(reply, new Date(Number(reply.ts) * 1000)));
        list.append(box);
      }
    }
    return list;
  }

  function messageRow(message, date) {
    const isBot = message.user === S.state.bot.id || Boolean(message.bot_id);
    const author = isBot ? S.state.bot.id : message.user;
    const body = el("div", { class: "message-body" });
    if (message.blocks && message.blocks.length) {
      body.append(BlockKit.renderBlocks(message.blocks, context({ surface: "message", message })));
    } else {
      body.append(el("div", { class: "message-text", html: Mrkdwn.toHtml(message.text, { userName: displayName }) }));
    }
    for (const file of message.files || []) {
      const image = (file.mimetype || "").startsWith("image/");
      body.append(
        el(
          "a",
          { class: image ? "file file-image" : "file", href: file.url_private, target: "_blank" },
          image ? el("img", { src: file.url_private, alt: file.alt_txt || file.title || file.name }) : null,
          el("span", {}, `📎 ${file.title || file.name}`),
        ),
      );
    }
    if (message.reply_count) body.append(el("div", { class: "replies" }, `${message.reply_count} repl${message.reply_count > 1 ? "ies" : "y"}`));
    return el(
      "div",
      { class: `message${message.is_ephemeral ? " ephemeral" : ""}`, dataset: { ts: message.ts } },
      avatar(author),
      el(
        "div",
        { class: "message-main" },
        el(
          "div",
          { class: "message-meta" },
          el("span", { class: "author" }, displayName(author)),
          isBot ? el("span", { class: "app-badge" }, "APP") : null,
          el("time", { class: "ts", datetime: date.toISOString(), title: date.toString() }, date.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" })),
          message.edited ? el("span", { class: "edited" }, "(edited)") : null,
        ),
        message.is_ephemeral ? el("div", { class: "ephemeral-note" }, "Only visible to you") : null,
        body,
      ),
    );
  }

  // ---- Block Kit context ----------------------------------------------------------------------

  function context({ surface, message, view }) {
    return {
      surface,
      errors: view ? view.errors || {} : {},
      users: users(),
      userName: displayName,
      draft(blockId, actionId) {
        if (!view) return undefined;
        const mine = (S.drafts[view.id] || {})[blockId] || {};
        return mine[actionId];
      },
      setDraft(blockId, actionId, value) {
        if (!view) return;
        const mine = (S.drafts[view.id] = S.drafts[view.id] || {});
        (mine[blockId] = mine[blockId] || {})[actionId] = value;
      },
      act(kind, args, options) {
        if (message) return act(kind, { ts: message.ts, ...args }, options);
        const extra = kind === "click" && view.type === "modal" ? { values: collectValues(view) } : {};
        return act(kind, { view_id: view.id, ...extra, ...args }, options);
      },
    };
  }

  // The values as typed, for the inputs that still exist in the view.
  function collectValues(view) {
    const drafts = S.drafts[view.id] || {};
    const values = {};
    for (const block of view.blocks || []) {
      if (block.type !== "input" || !block.element) continue;
      const typed = (drafts[block.block_id] || {})[block.element.action_id];
      if (typed === undefined) continue;
      values[block.block_id] = { [block.element.action_id]: typed === "" && /select/.test(block.element.type) ? null : typed };
    }
    return values;
  }

  // ---- modals ---------------------------------------------------------------------------------

  function renderModal() {
    const root = $("modal-root");
    const stack = (S.state && S.state.modal) || [];
    const view = stack[stack.length - 1];
    const key = view ? JSON.stringify([view.id, view.hash, view.errors, stack.length, view.blocks]) : null;
    if (key === S.modalKey) return;
    S.modalKey = key;
    if (!view) {
      root.replaceChildren();
      return;
    }
    // After a reload the page knows nothing typed; the workspace does, and submits it: show it.
    if (!S.drafts[view.id]) S.drafts[view.id] = draftsFromState(view);
    const scroll = root.querySelector(".modal-body");
    const scrollTop = scroll && scroll.dataset.view === view.id ? scroll.scrollTop : 0;
    const focused = scroll && scroll.dataset.view === view.id ? focusOf(root) : null;
    const ctx = context({ surface: "modal", view });
    const submitting = { busy: false };
    const submit = async (event) => {
      event.preventDefault();
      if (submitting.busy) return;
      submitting.busy = true;
      try {
        S.submitted = { id: view.id, hash: view.hash };
        await act("submit", { view_id: view.id, values: collectValues(view) });
      } finally {
        submitting.busy = false;
      }
    };
    const close = (clear) => act("close", { view_id: view.id, clear });
    const body = el("div", { class: "modal-body", dataset: { view: view.id } }, BlockKit.renderBlocks(view.blocks, ctx));
    const modal = el(
      "form",
      { class: "modal", role: "dialog", "aria-modal": "true", "aria-label": view.title ? view.title.text : "", dataset: { viewId: view.id, callbackId: view.callback_id || "", hash: view.hash || "" }, onsubmit: submit, novalidate: true },
      el(
        "div",
        { class: "modal-head" },
        stack.length > 1 ? el("button", { type: "button", class: "modal-back", title: "Back", onclick: () => close(false) }, "‹") : null,
        el("div", { class: "modal-title", html: BlockKit.text(view.title, ctx) }),
        el("button", { type: "button", class: "modal-x", title: "Close", "aria-label": "Close", onclick: () => close(true) }, "✕"),
      ),
      body,
      el(
        "div",
        { class: "modal-foot" },
        el("button", { type: "button", class: "bk-button modal-cancel", onclick: () => close(false) }, view.close ? view.close.text : "Cancel"),
        view.submit ? el("button", { type: "submit", class: "bk-button bk-primary modal-submit", disabled: view.submit_disabled }, view.submit.text) : null,
      ),
    );
    root.replaceChildren(el("div", { class: "overlay" }, modal));
    body.scrollTop = scrollTop;
    if (focused) refocus(root, focused);
    const firstError = modal.querySelector(".has-error");
    if (firstError && !focused) firstError.scrollIntoView({ block: "center" });
    // A form the bot sent back after Submit (response_action "update", with a notice) has the
    // notice last, by the button: show the end of the form, where the person's eyes are.
    const sent = S.submitted;
    if (sent && sent.id === view.id && (sent.hash !== view.hash || firstError)) {
      S.submitted = null;
      if (!firstError) body.scrollTop = body.scrollHeight;
    }
  }

  // The view's state (what the workspace will submit) as the page's drafts, input by input.
  function draftsFromState(view) {
    const values = (view.state && view.state.values) || {};
    const drafts = {};
    for (const block of view.blocks || []) {
      const element = block.type === "input" ? block.element : null;
      const entry = element && (values[block.block_id] || {})[element.action_id];
      const value = entry ? draftOf(element, entry) : undefined;
      if (value === undefined || value === null || value === "") continue;
      (drafts[block.block_id] = drafts[block.block_id] || {})[element.action_id] = value;
    }
    return drafts;
  }

  function draftOf(element, entry) {
    if (element.type === "external_select") {
      return entry.selected_option ? { type: "external_select", selected_option: entry.selected_option } : null;
    }
    if ("value" in entry) return entry.value;
    if (entry.selected_options) return entry.selected_options.map((o) => o.value);
    if ("selected_option" in entry) return entry.selected_option ? entry.selected_option.value : null;
    for (const key of ["selected_date", "selected_user", "selected_conversation", "selected_channel"]) {
      if (key in entry) return entry[key];
    }
    return undefined;
  }

  // A views.update while someone types must not take the cursor away from them.
  function focusOf(root) {
    const active = document.activeElement;
    if (!active || !root.contains(active) || !active.dataset.actionId) return null;
    const { blockId, actionId } = active.dataset;
    const caret = typeof active.selectionStart === "number" ? active.selectionStart : null;
    return { blockId, actionId, caret };
  }

  function refocus(root, { blockId, actionId, caret }) {
    const match = [...root.querySelectorAll("[data-action-id]")].find(
      (node) => node.dataset.blockId === blockId && node.dataset.actionId === actionId,
    );
    if (!match) return;
    match.focus({ preventScroll: true });
    if (caret !== null && typeof match.setSelectionRange === "function") {
      try {
        match.setSelectionRange(caret, caret);
      } catch (error) {
        // number and date inputs have no caret to restore
      }
    }
  }

  // ---- composer -------------------------------------------------------------------------------

  function setupComposer() {
    const input = $("composer-input");
    const send = async (event) => {
      if (event) event.preventDefault();
      const textValue = input.value.trim();
      if (!textValue) return;
      input.value = "";
      const channel = S.pane.type === "channel" ? S.pane.id : undefined;
      if (textValue.startsWith("/")) {
        const [command, ...rest] = textValue.split(/\s+/);
        await act("command", { command, text: textValue.slice(command.length).trim(), channel });
        void rest;
      } else {
        await act("message", { text: textValue, channel });
      }
    };
    $("composer").addEventListener("submit", send);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) send(event);
    });
  }

  // ---- start ----------------------------------------------------------------------------------

  async function start() {
    const all = await (await fetch("/_workspace/state")).json();
    const params = new URLSearchParams(location.search);
    const wanted = params.get("as") || localStorage.getItem("procurebot-demo-user");
    const match = (u) => [u.id, u.name, u.email].includes(wanted);
    const first = all.users.find(match) || all.users[0];
    S.me = first ? first.id : null;
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("channel")) S.pane = { type: "channel", id: hash.get("channel") };
    else if (hash.get("app") === "home") S.pane = { type: "app", tab: "home" };
    $("who").addEventListener("change", (event) => {
      S.me = event.target.value;
      localStorage.setItem("procurebot-demo-user", S.me);
      S.paneKey = S.modalKey = null;
      S.state = null;
      refresh().then(() => open(S.pane.type === "channel" ? S.pane : { type: "app", tab: S.pane.tab }));
    });
    setupComposer();
    listen();
    await refresh();
    if (S.pane.type === "app" && S.pane.tab === "home") act("home", {}, { quiet: true });
    document.body.dataset.ready = "true";
  }

  start();
})();
