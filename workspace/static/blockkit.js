// A Block Kit renderer: blocks to DOM, with the interactive elements wired to a context.
// ctx: {surface, ts?, view?, errors, draft(b, a), setDraft(b, a, v), act(kind, args), users, userName}
"use strict";

const BlockKit = (() => {
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "html") node.innerHTML = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function text(obj, ctx) {
    if (!obj) return "";
    if (typeof obj === "string") return Mrkdwn.plain(obj);
    return obj.type === "mrkdwn" ? Mrkdwn.toHtml(obj.text, ctx) : Mrkdwn.plain(obj.text);
  }

  function textSpan(obj, ctx, cls) {
    return el("span", { class: cls, html: text(obj, ctx) });
  }

  function optionsOf(element) {
    const options = [...(element.options || [])];
    for (const group of element.option_groups || []) options.push(...(group.options || []));
    return options;
  }

  function optionLabel(option) {
    return option && option.text ? option.text.text : "";
  }

  const TYPED = "\u0000typed"; // the draft key of an external select's unpicked text

  // ---- blocks ---------------------------------------------------------------------------------

  function renderBlocks(blocks, ctx) {
    const wrap = el("div", { class: "bk-blocks" });
    for (const block of blocks || []) {
      const node = renderBlock(block, ctx);
      if (node) {
        node.dataset.blockId = block.block_id || "";
        wrap.append(node);
      }
    }
    return wrap;
  }

  function renderBlock(block, ctx) {
    switch (block.type) {
      case "header":
        return el("div", { class: "bk-header", html: text(block.text, ctx) });
      case "section":
        return section(block, ctx);
      case "context":
        return el(
          "div",
          { class: "bk-context" },
          (block.elements || []).map((item) =>
            item.type === "image"
              ? el("img", { src: item.image_url, alt: item.alt_text || "", class: "bk-context-img" })
              : textSpan(item, ctx, "bk-context-text"),
          ),
        );
      case "divider":
        return el("hr", { class: "bk-divider" });
      case "actions":
        return el(
          "div",
          { class: "bk-actions" },
          (block.elements || []).map((element) => renderElement(element, block, ctx)),
        );
      case "input":
        return input(block, ctx);
      case "image":
        return el(
          "figure",
          { class: "bk-image" },
          block.title ? el("figcaption", { html: text(block.title, ctx) }) : null,
          el("img", { src: block.image_url || (block.slack_file || {}).url, alt: block.alt_text || "" }),
        );
      case "rich_text":
        return el("div", { class: "bk-rich", html: richText(block) });
      default:
        return el("div", { class: "bk-unknown" }, `[${block.type} block]`);
    }
  }

  function section(block, ctx) {
    const body = el("div", { class: "bk-section-body" });
    if (block.text) body.append(el("div", { class: "bk-section-text", html: text(block.text, ctx) }));
    if (block.fields && block.fields.length) {
      body.append(
        el("div", { class: "bk-fields" }, block.fields.map((f) => el("div", { class: "bk-field", html: text(f, ctx) }))),
      );
    }
    const node = el("div", { class: "bk-section" }, body);
    if (block.accessory) {
      const accessory = block.accessory.type === "image"
        ? el("img", { class: "bk-accessory-img", src: block.accessory.image_url, alt: block.accessory.alt_text || "" })
        : renderElement(block.accessory, block, ctx);
      node.append(el("div", { class: "bk-accessory" }, accessory));
    }
    return node;
  }

  function richText(block) {
    const parts = [];
    for (const section of block.elements || []) {
      for (const item of section.elements || []) {
        if (item.type === "text") {
          let html = Mrkdwn.escapeHtml(item.text || "").replace(/\n/g, "<br>");
          const style = item.style || {};
          if (style.code) html = `<code>${html}</code>`;
          if (style.bold) html = `<b>${html}</b>`;
          if (style.italic) html = `<i>${html}</i>`;
          parts.push(html);
        } else if (item.type === "link") {
          parts.push(`<a href="${Mrkdwn.escapeHtml(Mrkdwn.safeHref(item.url) || "#")}" target="_blank" rel="noopener">${Mrkdwn.escapeHtml(item.text || item.url)}</a>`);
        } else if (item.type === "emoji") {
          parts.push(Mrkdwn.plain(`:${item.name}:`));
        }
      }
    }
    return parts.join("");
  }

  function input(block, ctx) {
    const label = block.label ? block.label.text : "";
    const error = (ctx.errors || {})[block.block_id];
    const node = el(
      "div",
      { class: "bk-input" + (error ? " has-error" : ""), dataset: { label } },
      el(
        "label",
        { class: "bk-label" },
        el("span", { html: text(block.label, ctx) }),
        block.optional ? el("span", { class: "bk-optional" }, " (optional)") : null,
      ),
      renderElement(block.element, block, ctx, { inInput: true, label }),
    );
    if (error) node.append(el("div", { class: "bk-error", role: "alert" }, unpicked(block, ctx) || error));
    if (block.hint) node.append(el("div", { class: "bk-hint", html: text(block.hint, ctx) }));
    return node;
  }

  // Slack's external select keeps no typed text: say so, naming what was typed.
  function unpicked(block, ctx) {
    const element = block.element || {};
    if (element.type !== "external_select" || ctx.draft(block.block_id, element.action_id)) return null;
    const typed = ctx.draft(block.block_id, `${element.action_id}${TYPED}`);
    return typed ? `Pick an option from the list for “${typed}”: typing alone picks nothing.` : null;
  }

  // ---- elements -------------------------------------------------------------------------------

  function renderElement(element, block, ctx, opts = {}) {
    const ids = { actionId: element.action_id || "", blockId: block.block_id || "" };
    switch (element.type) {
      case "button":
        return button(element, block, ctx, ids);
      case "static_select":
      case "users_select":
      case "conversations_select":
      case "channels_select":
        return select(element, block, ctx, ids, opts);
      case "external_select":
        return externalSelect(element, block, ctx, ids, opts);
      case "overflow":
        return overflow(element, block, ctx, ids);
      case "plain_text_input":
      case "number_input":
      case "url_text_input":
      case "email_text_input":
        return textInput(element, block, ctx, ids, opts);
      case "datepicker":
        return datePicker(element, block, ctx, ids, opts);
      case "radio_buttons":
      case "checkboxes":
        return choices(element, block, ctx, ids, opts);
      case "image":
        return el("img", { src: element.image_url, alt: element.alt_text || "", class: "bk-accessory-img" });
      default:
        return el("span", { class: "bk-unknown" }, `[${element.type}]`);
    }
  }

  function button(element, block, ctx, ids) {
    const node = el(
      "button",
      {
        type: "button",
        class: `bk-button${element.style ? " bk-" + element.style : ""}`,
        dataset: { ...ids, value: element.value || "" },
        onclick: async () => {
          if (!(await confirmed(element.confirm, ctx))) return;
          const target = element.url && Mrkdwn.safeHref(element.url);
          if (target) window.open(target, "_blank", "noopener");
          node.disabled = true;
          try {
            await ctx.act("click", { action_id: element.action_id, block_id: block.block_id, value: element.value });
          } finally {
            node.disabled = false;
          }
        },
      },
      el("span", { html: text(element.text, ctx) }),
    );
    return node;
  }

  // Slack's confirm dialog: nothing reaches the app unless the person confirms.
  function confirmed(confirm, ctx) {
    if (!confirm) return Promise.resolve(true);
    return new Promise((resolve) => {
      const previous = document.activeElement;
      const done = (answer) => {
        overlay.remove();
        document.removeEventListener("keydown", onKey, true);
        if (previous && previous.focus) previous.focus({ preventScroll: true });
        resolve(answer);
      };
      const onKey = (event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          done(false);
        }
      };
      const label = (obj, fallback) => (obj ? text(obj, ctx) : fallback);
      const deny = el("button", { type: "button", class: "bk-button bk-confirm-deny", onclick: () => done(false), html: label(confirm.deny, "Cancel") });
      const yes = el("button", {
        type: "button",
        class: `bk-button bk-confirm-yes ${confirm.style === "danger" ? "bk-danger" : "bk-primary"}`,
        onclick: () => done(true),
        html: label(confirm.confirm, "Yes"),
      });
      const dialog = el(
        "div",
        { class: "bk-confirm", role: "alertdialog", "aria-modal": "true", "aria-label": confirm.title ? confirm.title.text : "Are you sure?" },
        el("div", { class: "bk-confirm-title", html: label(confirm.title, "Are you sure?") }),
        el("div", { class: "bk-confirm-text", html: label(confirm.text, "") }),
        el("div", { class: "bk-confirm-foot" }, deny, yes),
      );
      const overlay = el("div", { class: "overlay bk-confirm-overlay" }, dialog);
      document.addEventListener("keydown", onKey, true);
      document.body.append(overlay);
      yes.focus();
    });
  }

  // A change in an input block's element goes to the bot only with dispatch_action.
  async function changed(element, block, ctx, value, opts) {
    ctx.setDraft(block.block_id, element.action_id, value);
    if (!opts.inInput || block.dispatch_action) {
      if (!(await confirmed(element.confirm, ctx))) return;
      ctx.act("click", { action_id: element.action_id, block_id: block.block_id, value });
    }
  }

  function current(element, block, ctx, initial) {
    const draft = ctx.draft(block.block_id, element.action_id);
    return draft === undefined ? initial : draft;
  }

  function select(element, block, ctx, ids, opts) {
    let options = optionsOf(element);
    if (element.type === "users_select") {
      options = (ctx.users || []).map((u) => ({ value: u.id, text: { type: "plain_text", text: u.real_name || u.name } }));
    }
    const initial = element.initial_option ? element.initial_option.value : element.initial_user || "";
    const value = current(element, block, ctx, initial) || "";
    const node = el(
      "select",
      {
        class: "bk-select",
        "aria-label": opts.label || (element.placeholder ? element.placeholder.text : ids.actionId),
        dataset: ids,
        onchange: () => changed(element, block, ctx, node.value || null, opts),
      },
      el("option", { value: "" }, element.placeholder ? element.placeholder.text : "Select an option"),
      options.map((o) => el("option", { value: o.value, selected: o.value === value }, optionLabel(o))),
    );
    node.value = value;
    return node;
  }

  // Slack asks the app for options as the person types (block_suggestion).
  function externalSelect(element, block, ctx, ids, opts) {
    const picked = current(element, block, ctx, element.initial_option ? { type: "external_select", selected_option: element.initial_option } : null);
    // What was typed without picking stays on screen (it is never submitted).
    const typed = picked ? "" : ctx.draft(block.block_id, `${element.action_id}${TYPED}`) || "";
    const field = el("input", {
      type: "text",
      class: "bk-text",
      "aria-label": opts.label || ids.actionId,
      placeholder: element.placeholder ? element.placeholder.text : "Type to search",
      value: picked && picked.selected_option ? optionLabel(picked.selected_option) : typed,
      dataset: ids,
    });
    const list = el("ul", { class: "bk-suggestions", hidden: true, role: "listbox" });
    const wrap = el("div", { class: "bk-combo" }, field, list);
    let asked = 0;
    const ask = async () => {
      const mine = ++asked;
      const minLength = element.min_query_length ?? 3;
      if (field.value.length < minLength) {
        list.hidden = true;
        return;
      }
      const answer = await ctx.act("suggest", { action_id: element.action_id, block_id: block.block_id, value: field.value }, { quiet: true });
      if (mine !== asked) return;
      const body = (answer && answer.body) || {};
      const options = [...(body.options || [])];
      for (const group of body.option_groups || []) options.push(...(group.options || []));
      list.replaceChildren(
        ...options.map((option) =>
          el("li", {
            role: "option",
            onmousedown: (event) => {
              event.preventDefault();
              field.value = optionLabel(option);
              list.hidden = true;
              changed(element, block, ctx, { type: "external_select", selected_option: option }, opts);
            },
          }, optionLabel(option)),
        ),
      );
      if (!options.length) list.replaceChildren(el("li", { class: "empty" }, "No matches"));
      list.hidden = false;
    };
    field.addEventListener("input", () => {
      ctx.setDraft(block.block_id, element.action_id, null);
      ctx.setDraft(block.block_id, `${element.action_id}${TYPED}`, field.value);
      ask();
    });
    field.addEventListener("focus", ask);
    field.addEventListener("blur", () => setTimeout(() => (list.hidden = true), 150));
    return wrap;
  }

  function overflow(element, block, ctx, ids) {
    const node = el(
      "select",
      {
        class: "bk-overflow",
        "aria-label": "More actions",
        dataset: ids,
        onchange: async () => {
          const value = node.value;
          node.value = "";
          if (value && (await confirmed(element.confirm, ctx))) {
            ctx.act("click", { action_id: element.action_id, block_id: block.block_id, value });
          }
        },
      },
      el("option", { value: "" }, "⋮"),
      optionsOf(element).map((o) => el("option", { value: o.value }, optionLabel(o))),
    );
    return node;
  }

  function textInput(element, block, ctx, ids, opts) {
    const value = current(element, block, ctx, element.initial_value || "");
    const attrs = {
      class: "bk-text",
      "aria-label": opts.label || ids.actionId,
      placeholder: element.placeholder ? element.placeholder.text : "",
      maxlength: element.max_length,
      dataset: ids,
    };
    let node;
    if (element.multiline) {
      node = el("textarea", { ...attrs, rows: 4 });
      node.value = value;
    } else {
      const type = { number_input: "text", url_text_input: "url", email_text_input: "email" }[element.type] || "text";
      node = el("input", { ...attrs, type, inputmode: element.type === "number_input" ? (element.is_decimal_allowed ? "decimal" : "numeric") : undefined });
      node.value = value;
    }
    node.addEventListener("input", () => ctx.setDraft(block.block_id, element.action_id, node.value));
    if (!opts.inInput || block.dispatch_action) {
      node.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !element.multiline) changed(element, block, ctx, node.value, opts);
      });
    }
    return node;
  }

  function datePicker(element, block, ctx, ids, opts) {
    const node = el("input", {
      type: "date",
      class: "bk-date",
      "aria-label": opts.label || ids.actionId,
      dataset: ids,
    });
    node.value = current(element, block, ctx, element.initial_date || "") || "";
    node.addEventListener("change", () => changed(element, block, ctx, node.value || null, opts));
    return node;
  }

  function choices(element, block, ctx, ids, opts) {
    const multi = element.type === "checkboxes";
    const initial = multi
      ? (element.initial_options || []).map((o) => o.value)
      : element.initial_option ? element.initial_option.value : "";
    const value = current(element, block, ctx, initial);
    const name = `${block.block_id}-${element.action_id}-${Math.random().toString(36).slice(2, 7)}`;
    const group = el("div", { class: "bk-choices", role: multi ? "group" : "radiogroup", dataset: ids });
    for (const option of optionsOf(element)) {
      const box = el("input", {
        type: multi ? "checkbox" : "radio",
        name,
        value: option.value,
        checked: multi ? (value || []).includes(option.value) : value === option.value,
      });
      box.addEventListener("change", () => {
        const picked = multi
          ? [...group.querySelectorAll("input:checked")].map((i) => i.value)
          : option.value;
        changed(element, block, ctx, picked, opts);
      });
      group.append(
        el("label", { class: "bk-choice" }, box, el("span", { class: "bk-choice-text" },
          el("span", { html: text(option.text, ctx) }),
          option.description ? el("span", { class: "bk-choice-desc", html: text(option.description, ctx) }) : null)),
      );
    }
    return group;
  }

  return { renderBlocks, el, text, optionsOf };
})();
