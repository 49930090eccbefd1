import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from './html.js';

describe('html', () => {
  it('escapes every interpolated value', () => {
    const value = `<script>alert("x")</script> & 'y'`;
    expect(html`<td>${value}</td>`.value).toBe('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</td>');
    expect(html`<a href="${'"><img src=x onerror=alert(1)>'}">`.value).toBe('<a href="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">');
  });

  it('passes nested fragments through and flattens lists', () => {
    const items = ['<a>', '<b>'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>`.value).toBe('<ul><li>&lt;a&gt;</li><li>&lt;b&gt;</li></ul>');
  });

  it('renders nothing for null, undefined and false, and numbers as text', () => {
    expect(html`[${null}${undefined}${false}${0}${12.5}]`.value).toBe('[012.5]');
  });

  it('escapeHtml leaves safe text alone', () => {
    expect(escapeHtml('regions-poll 123')).toBe('regions-poll 123');
  });
});
